//go:build tools

// Package tools pins the modules pushspec builds on before their first real import, so that
// `go mod download` fetches them and go.mod records the versions the project has chosen.
package tools

import (
	_ "github.com/SherClockHolmes/webpush-go"
	_ "github.com/chromedp/chromedp"
	_ "github.com/coder/websocket"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/mxschmitt/playwright-go"
	_ "github.com/onsi/ginkgo/v2"
	_ "github.com/onsi/ginkgo/v2/ginkgo"
	_ "github.com/onsi/gomega"
	_ "google.golang.org/protobuf/proto"
)
