// Package fcm emulates the part of Google's FCM/GCM service that desktop Chromium talks to, so that
// a real headless Chromium subscribes and receives pushes from pushspec's in-process push service
// without any network: the device checkin (POST /checkin, AndroidCheckinRequest/Response
// protobuf), the registration endpoint (POST /c2dm/register3, form encoded) and MCS, the
// persistent TLS connection that carries the pushes (version byte 41, then [tag][varint
// length][protobuf] frames).
//
// Chromium is pointed at it with --gcm-checkin-url, --gcm-registration-url, --gcm-mcs-endpoint
// and trusts the MCS certificate, made per run, with --ignore-certificate-errors-spki-list=SPKIHash().
// See docs/chromium-fcm.md for the observed protocol.
//
// The link owns no messages: subscriptions, the message store, redelivery and verdicts belong to
// the core (fakepushservice.Server). The link translates register3 into CreateSubscription and
// Unsubscribe, an MCS login into Connect, DataMessageStanza writes out of Delivery values, and
// MCS stream acks back into Ack. Every HTTP exchange and MCS frame is recorded per user agent
// (FrameLog) as evidence.
//
// It is not a general FCM server: no upstream messages, no topics, no HTTP v1 send API.
package fcm
