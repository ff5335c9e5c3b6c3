// Package webpush is pushspec's Web Push codec: the RFC 8188 aes128gcm content coding, the RFC 8291
// key derivation on top of it, the draft-era aesgcm coding still accepted by FCM and autopush, RFC
// 8292 VAPID signing and verification, and the RFC 8030 §5.2–5.4 header parsers (TTL, Urgency,
// Topic).
//
// It serves both sides of the harness: the push service validates and grades what a sender posts
// (every failure names a rule ID of the catalogue in harness/rules), and the raw sender builds
// deliberately broken messages through the fault knobs of Options and SignOptions. All knobs at
// their zero value give a conformant message.
//
// It is a leaf: it imports nothing of pushspec's, and rule IDs appear here as plain strings. It is
// not a push client: nothing here speaks HTTP to a network.
package webpush
