// The part every adapter shares: read the message pushspec hands a command sender
// (the PUSHSPEC_SEND_* variables, see the README), post what the library built, print
// `status=NNN`, and exit 3 with `unsupported: <reason>` for what the library cannot do.
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

export function message() {
  const env = process.env;
  const file = env.PUSHSPEC_SEND_PAYLOAD_FILE;
  return {
    subscription: {
      endpoint: env.PUSHSPEC_SEND_ENDPOINT,
      expirationTime: null,
      keys: { p256dh: env.PUSHSPEC_SEND_P256DH, auth: env.PUSHSPEC_SEND_AUTH },
    },
    payload: file ? readFileSync(file) : null, // a Buffer, or null for no payload
    text: env.PUSHSPEC_SEND_PAYLOAD, // set when the payload is valid UTF-8
    ttl: env.PUSHSPEC_SEND_TTL === "" ? undefined : Number(env.PUSHSPEC_SEND_TTL),
    urgency: env.PUSHSPEC_SEND_URGENCY || undefined,
    topic: env.PUSHSPEC_SEND_TOPIC || undefined,
    encoding: env.PUSHSPEC_SEND_ENCODING || "aes128gcm",
    receipt: env.PUSHSPEC_SEND_RECEIPT === "1",
    vapid: {
      publicKey: env.PUSHSPEC_SEND_VAPID_PUBLIC,
      privateKey: env.PUSHSPEC_SEND_VAPID_PRIVATE,
      subject: env.PUSHSPEC_SEND_VAPID_SUBJECT,
    },
  };
}

// unsupported ends the process the way pushspec reads as "this sender cannot do that": skip, not fail.
export function unsupported(reason) {
  console.log("unsupported: " + reason);
  process.exit(3);
}

// vapidJWK turns the raw base64url key pair into the JWK that WebCrypto-based libraries import.
export function vapidJWK(vapid) {
  const pub = Buffer.from(vapid.publicKey, "base64url");
  const b64 = (b) => Buffer.from(b).toString("base64url");
  return { kty: "EC", crv: "P-256", x: b64(pub.subarray(1, 33)), y: b64(pub.subarray(33, 65)), d: vapid.privateKey, ext: true };
}

export const subtle = webcrypto.subtle;

// post sends the request the library built. Node's fetch trusts the push service's CA through
// NODE_EXTRA_CA_CERTS, which Node reads only at start: the command line sets it.
export async function post(endpoint, headers, body) {
  const res = await fetch(endpoint, { method: "POST", headers, body });
  console.log("status=" + res.status);
  const text = await res.text();
  if (text) console.log(text.slice(0, 2000));
}
