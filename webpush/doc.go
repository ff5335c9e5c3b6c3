// Package webpush is pushspec's Web Push codec: the RFC 8188 aes128gcm content coding, the RFC 8291
// key derivation on top of it, the draft-era aesgcm coding still accepted by FCM and autopush, RFC
// 8292 VAPID signing and verification, and the RFC 8030 §5.2–5.4 header parsers (TTL, Urgency,
// Topic).
//
// It serves both sides of the harness. The push service validates and grades what a sender posts:
// parse and decryption failures are *Error values and VAPID findings are Problems, each naming a
// rule ID of the catalogue in rules (CheckBody grades a body it cannot decrypt; VerifyCache
// spares re-verifying a token senders reuse for hours). The raw sender builds deliberately broken
// messages through the fault knobs of Options and SignOptions; all knobs at their zero value give
// a conformant message. EdgeCases builds the derived edge-case bodies of testdata/README.md from
// the RFC 8291 Appendix A keys, for the browser specs; testdata/vectors.json holds every vector
// (RFC 8188 §3, RFC 8291 Appendix A, RFC 8292 §2.4, autopush-rs, the edge cases) as data.
//
// It imports only rules, the catalogue its errors and problems name (as rules.X.ID strings). It is
// not a push client: nothing here speaks HTTP to a network.
package webpush
