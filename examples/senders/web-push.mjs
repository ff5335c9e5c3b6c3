// web-push 3.6.7, the most used Node library: generateRequestDetails builds the request.
import webpush from "web-push";
import { message, post, unsupported } from "./common.mjs";

const m = message();
const headers = {};
if (m.receipt) unsupported("web-push has no receipt option (it could add Prefer: respond-async as a header, but keeps no receipt subscription)");
const details = webpush.generateRequestDetails(m.subscription, m.payload, {
  vapidDetails: m.vapid,
  TTL: m.ttl,
  urgency: m.urgency,
  topic: m.topic,
  contentEncoding: m.encoding,
  headers,
});
await post(details.endpoint, details.headers, details.body);
