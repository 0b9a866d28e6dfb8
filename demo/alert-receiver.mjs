// The demo's alert receiver: Redrive's webhook channel posts here; each notification is verified
// (HMAC-SHA256 over "<timestamp>.<body>", timestamp within 5 min) and printed. See docs/alerts.md.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.DEMO_ALERT_RECEIVER_PORT || 3301);
const secret = process.env.DEMO_ALERT_WEBHOOK_SECRET || 'demo-signing-secret-change-me';

function verified(req, body) {
  const timestamp = req.headers['x-redrive-timestamp'];
  const signature = req.headers['x-redrive-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // a replayed request
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (!verified(req, body)) {
      console.log('rejected a request with a bad or stale signature');
      res.writeHead(401).end();
      return;
    }
    const n = JSON.parse(body);
    const time = new Date().toISOString().slice(11, 19); // UTC, to follow the loop's timings
    console.log(`${time} ${n.test ? 'TEST ' : ''}${n.status.toUpperCase()} (${n.alerts.length} alert${n.alerts.length === 1 ? '' : 's'}, signature ok)`);
    for (const a of n.alerts) console.log(`  ${a.status === 'firing' ? '🔴' : '✅'} ${a.summary}\n     ${a.url}\n     silence: ${a.silenceUrl}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/alerts`));
