// Sends one push with the npm library web-push and prints the push service's answer as JSON.
// Input: a JSON message on stdin (see node.go). Node resolves web-push from NODE_PATH.
'use strict';
const webpush = require('web-push');
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', async () => {
  const m = JSON.parse(input);
  const options = { TTL: m.ttl, timeout: 20000 };
  if (m.urgency) options.urgency = m.urgency;
  if (m.topic) options.topic = m.topic;
  if (m.encoding) options.contentEncoding = m.encoding;
  if (m.vapid) options.vapidDetails = { subject: m.vapid.subject, publicKey: m.vapid.public, privateKey: m.vapid.private };
  const payload = m.payload_b64 === null ? null : Buffer.from(m.payload_b64, 'base64');
  const out = (r) => process.stdout.write(JSON.stringify(r) + '\n');
  try {
    const r = await webpush.sendNotification(m.subscription, payload, options);
    out({ status: r.statusCode, headers: r.headers, body: r.body || '' });
  } catch (e) {
    if (e && e.statusCode) {
      out({ status: e.statusCode, headers: e.headers || {}, body: e.body || '' });
    } else {
      out({ error: String((e && e.stack) || e) });
      process.exitCode = 1;
    }
  }
});
