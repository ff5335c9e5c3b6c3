// @block65/webcrypto-web-push 1.0.2: buildPushPayload returns fetch options.
import { buildPushPayload } from "@block65/webcrypto-web-push";
import { message, post, unsupported } from "./common.mjs";

const m = message();
if (m.receipt) unsupported("the library has no receipt option");
if (m.payload === null) unsupported("buildPushPayload always encrypts a data field");
if (m.text === undefined) unsupported("the library takes strings and JSON values, not bytes");
const options = {};
if (m.ttl !== undefined) options.ttl = m.ttl;
if (m.urgency) options.urgency = m.urgency;
if (m.topic) options.topic = m.topic;
const req = await buildPushPayload({ data: m.text, options }, m.subscription, m.vapid);
await post(m.subscription.endpoint, req.headers, req.body);
