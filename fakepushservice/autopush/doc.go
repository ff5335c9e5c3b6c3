// Package autopush is the user-agent link that speaks Mozilla's autopush WebSocket protocol, so
// that real Firefox (pointed at it with the dom.push.serverURL pref) and Go clients playing
// Firefox subscribe to and receive messages from pushspec's in-process push service.
//
// The link only translates: hello / register / unregister / ack / nack / ping frames become calls
// on the core (fakepushservice.Server: CreateSubscription, Unsubscribe, Connect, Ack), and the
// core's deliveries become notification frames. Subscriptions, the message store,
// store-and-forward and redelivery are the core's. The link adds what is specific to the
// protocol: the uaid rules (echo a known uaid, mint one when absent, optionally answer a new one to
// force pushsubscriptionchange), a frame log per uaid as evidence, and fault knobs (drop the
// socket, close with 4774, fail registrations).
//
// Protocol facts are from docs/firefox-autopush.md §4; the bare section numbers (§) in this
// package's comments are that document's.
package autopush
