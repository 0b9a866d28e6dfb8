// NATS for the local stack. A system service runs nats-server with JetStream on 127.0.0.1:4222; the stack never
// starts or stops it, it only reports it: reachable, its version, and whether JetStream is on (from the INFO line
// the server sends first on every connection). Where NATS is not running, this says so; the stack carries on.
// Plain ESM: runs before any build.

import net from 'node:net';

const HOST = process.env.NATS_HOST || '127.0.0.1';
const PORT = Number(process.env.NATS_PORT || 4222);

/** The server's INFO block, or why it could not be read. */
export function natsInfo(host = HOST, port = PORT, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, running: buffer.length > 0, detail: `no INFO from ${host}:${port} within ${timeoutMs} ms` }));
    socket.once('error', (err) => done({ ok: false, running: false, detail: err.code || err.message }));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n');
      if (end === -1) return;
      const line = buffer.slice(0, end);
      if (!line.startsWith('INFO ')) return done({ ok: false, running: true, detail: `not a NATS server on ${host}:${port}` });
      try {
        done({ ok: true, running: true, info: JSON.parse(line.slice(5)) });
      } catch {
        done({ ok: false, running: true, detail: 'unreadable INFO line' });
      }
    });
  });
}

export async function natsStatus() {
  const probe = await natsInfo();
  const version = probe.ok ? String(probe.info.version) : null;
  const jetstream = probe.ok && probe.info.jetstream === true;
  return {
    name: 'nats',
    running: probe.running,
    pid: null,
    ports: { CLIENT: PORT },
    endpoint: `nats://${HOST}:${PORT}`,
    version,
    jetstream,
    healthy: probe.ok && jetstream,
    detail: !probe.running
      ? `not running on ${HOST}:${PORT} (optional)`
      : !probe.ok
        ? probe.detail
        : jetstream
          ? `nats-server ${version}, JetStream enabled`
          : `nats-server ${version} without JetStream (start it with -js)`,
    // Optional: a missing NATS does not make the stack unhealthy.
    optional: true,
  };
}
