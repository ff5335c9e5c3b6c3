// Package hardening holds pushspec's black-box and cross-package reliability tests: load without
// loss, link faults and redelivery, bad input over real listeners, security properties (token
// entropy, loopback binding, secrets kept out of logs and evidence). It has no API; see
// docs/reliability.md for what each test proves, the figures and how to reproduce them.
package hardening
