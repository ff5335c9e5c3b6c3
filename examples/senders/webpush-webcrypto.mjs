// webpush-webcrypto 1.0.5: generatePushHTTPRequest with ApplicationServerKeys built from the pair.
import { ApplicationServerKeys, generatePushHTTPRequest, setWebCrypto } from "webpush-webcrypto";
import { webcrypto } from "node:crypto";
import { message, post, subtle, unsupported, vapidJWK } from "./common.mjs";

setWebCrypto(webcrypto);
const m = message();
if (m.receipt) unsupported("the library has no receipt option");
if (m.payload === null) unsupported("the library always encrypts a payload");
const jwk = vapidJWK(m.vapid);
const alg = { name: "ECDSA", namedCurve: "P-256" };
const privateKey = await subtle.importKey("jwk", jwk, alg, true, ["sign"]);
const publicKey = await subtle.importKey("raw", Buffer.from(m.vapid.publicKey, "base64url"), alg, true, ["verify"]);
const req = await generatePushHTTPRequest({
  applicationServerKeys: new ApplicationServerKeys(publicKey, privateKey),
  payload: m.text !== undefined ? m.text : new Uint8Array(m.payload),
  target: m.subscription,
  adminContact: m.vapid.subject,
  ttl: m.ttl ?? 60,
  urgency: m.urgency,
  topic: m.topic,
});
await post(req.endpoint, req.headers, req.body);
