package graders

import (
	"net/http"
	"strings"

	"github.com/pushspec/pushspec/rules"
)

// Receipts grades RFC 8030 §5.1 for a request that asks for a receipt (Prefer: respond-async)
// from a sender the service gave a receipt subscription before (ReceiptGiven). RFC 8030 §5.1
// (paraphrased): a sender that was given a receipt subscription SHOULD pass it back on its later
// receipt requests to the same push service.
func Receipts(r *Request) []rules.Verdict {
	if !PreferRespondAsync(r.Header) || r.ReceiptGiven == "" {
		return nil
	}
	_, has := ReceiptLink(r.Header)
	return r.keep(append(r.out(), check(rules.SenderReusesReceiptSubscription, has, "a later receipt request carries the receipt subscription given before",
		func() string {
			return "a later receipt request carries no receipt subscription, though the service gave one before; RFC 8030 §5.1 asks the sender to pass it back"
		},
		rules.Evidence("given", r.ReceiptGiven))))
}

// PreferRespondAsync reports whether the request asks for a delivery receipt (RFC 8030 §5.1:
// Prefer: respond-async).
func PreferRespondAsync(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]), "respond-async") {
				return true
			}
		}
	}
	return false
}

// LinkValue is one Link header value: as sent, and the path of its target.
type LinkValue struct{ Raw, Path string }

// ReceiptLink finds a Link with rel="urn:ietf:params:push:receipt" in the request.
func ReceiptLink(h http.Header) (LinkValue, bool) {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.Contains(part, "urn:ietf:params:push:receipt") {
				continue
			}
			lt, gt := strings.Index(part, "<"), strings.Index(part, ">")
			if lt < 0 || gt < lt {
				return LinkValue{Raw: part}, true
			}
			target := part[lt+1 : gt]
			path := target
			if i := strings.Index(target, "://"); i >= 0 {
				rest := target[i+3:]
				if j := strings.Index(rest, "/"); j >= 0 {
					path = rest[j:]
				} else {
					path = "/"
				}
			}
			return LinkValue{Raw: part, Path: path}, true
		}
	}
	return LinkValue{}, false
}
