// @pushforge/builder 2.0.5: buildPushHTTPRequest takes a JWK private key and a payload value.
import { buildPushHTTPRequest } from "@pushforge/builder";
import { message, post, unsupported, vapidJWK } from "./common.mjs";

const m = message();
if (m.receipt) unsupported("the library has no receipt option");
if (m.payload === null) unsupported("the library always encrypts a payload");
if (m.text === undefined) unsupported("the library takes JSON values, not bytes");
// request.js: "if (message.options?.ttl && message.options.ttl > MAX_TTL) throw new Error('TTL must be less than 24 hours')"
if (m.ttl > 86400) unsupported("the library refuses a TTL over 24 hours");
const options = {};
if (m.ttl !== undefined) options.ttl = m.ttl;
if (m.urgency) options.urgency = m.urgency;
if (m.topic) options.topic = m.topic;
const req = await buildPushHTTPRequest({
  privateJWK: vapidJWK(m.vapid),
  subscription: m.subscription,
  message: { payload: m.text, options, adminContact: m.vapid.subject },
});
await post(req.endpoint, req.headers, req.body);
