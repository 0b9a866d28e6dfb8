#!/usr/bin/env node
// `npm run demo`: the local stack, the demo order-fulfilment system and Redrive in one command.
//   1. node scripts/stack.mjs up          (Kafka + ElasticMQ; remembered whether it was already running)
//      tsx demo/embedded-db.ts            (without DEMO_DATABASE_URL: Redrive's embedded PostgreSQL under ./.redrive,
//                                          holding the demo's database; Redrive's control store joins it)
//   2. tsx demo/db/migrate.ts             (creates the demo database if missing, applies migrations)
//   3. tsx demo/main.ts                   (outbox relay, consumers, saga orchestrator, traffic, faults admin)
//   4. next start -p ${PORT:-3000}        (Redrive, REDRIVE_CONFIG=demo/redrive.demo.yaml; builds when the sources changed)
// Ctrl-C stops Redrive and the demo cleanly, and the stack too if this script started it.
// Plain ESM: runs before any build.

import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildState, sourcesDigest, stampBuild } from './build-state.mjs';
import { serverEnv } from './server-env.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const PORT = process.env.PORT || '3000';
const ADMIN_PORT = process.env.DEMO_ADMIN_PORT || '3300';
// Read by demo/alert-receiver.mjs and by the webhook channel in demo/redrive.demo.yaml alike.
const RECEIVER_PORT = process.env.DEMO_ALERT_RECEIVER_PORT || '3301';
const env = { ...process.env, DEMO_ALERT_RECEIVER_PORT: RECEIVER_PORT };

const children = new Map(); // name -> ChildProcess
let shuttingDown = false;
let stackStartedHere = false;

function pipeLines(stream, prefix, out) {
  readline.createInterface({ input: stream }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

function start(name, prefix, cmd, args, extraEnv = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(child.stdout, prefix, process.stdout);
  pipeLines(child.stderr, prefix, process.stderr);
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!shuttingDown) {
      console.error(`${prefix} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
}

/** Runs a command to completion with prefixed output; resolves to its exit code. */
function run(prefix, cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    pipeLines(child.stdout, prefix, process.stdout);
    pipeLines(child.stderr, prefix, process.stderr);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Starts demo/embedded-db.ts and resolves to the URL it prints (kept off the console: it holds a password). */
function startEmbeddedDatabase() {
  console.log('[demo.mjs] starting the embedded PostgreSQL (first run: initialises ./.redrive/postgres)');
  const child = spawn(path.join(BIN, 'tsx'), ['demo/embedded-db.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set('db', child);
  pipeLines(child.stderr, '[db]', process.stderr);
  return new Promise((resolve) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('DEMO_DATABASE_URL ')) resolve(line.slice('DEMO_DATABASE_URL '.length).trim());
      else if (!line.includes('"level":20')) process.stdout.write(`[db] ${line}\n`);
    });
    child.on('exit', (code, signal) => {
      children.delete('db');
      resolve(undefined);
      if (!shuttingDown) {
        console.error(`[db] exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
        void shutdown(1);
      }
    });
  });
}

function stackRunning() {
  const res = spawnSync(process.execPath, ['scripts/stack.mjs', 'status', '--json'], { cwd: ROOT, encoding: 'utf8' });
  try {
    const parts = JSON.parse(res.stdout);
    return parts.length > 0 && parts.every((p) => p.running && p.healthy);
  } catch {
    return false;
  }
}

function waitExit(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('[demo.mjs] stopping Redrive and the demo...');
  // The embedded PostgreSQL goes last: Redrive and the demo still use it while they stop.
  const database = children.get('db');
  const stopping = [...children.entries()].filter(([name]) => name !== 'db').map(([, c]) => {
    c.kill('SIGINT');
    return waitExit(c, 25_000);
  });
  await Promise.all(stopping);
  if (database) {
    database.kill('SIGINT');
    await waitExit(database, 25_000);
  }
  if (stackStartedHere) {
    console.log('[demo.mjs] stopping the stack (this script started it)');
    await run('[stack]', process.execPath, ['scripts/stack.mjs', 'down']);
  } else {
    console.log('[demo.mjs] the stack was already running before: left running');
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void shutdown(0));

async function main() {
  const wasRunning = stackRunning();
  if ((await run('[stack]', process.execPath, ['scripts/stack.mjs', 'up'])) !== 0) {
    console.error('[demo.mjs] the stack did not come up; see .stack/logs/');
    process.exit(1);
  }
  stackStartedHere = !wasRunning;
  if (shuttingDown) return;

  if (!env.DEMO_DATABASE_URL) {
    env.DEMO_DATABASE_URL = await startEmbeddedDatabase();
    if (!env.DEMO_DATABASE_URL) {
      await shutdown(1);
      return;
    }
  }
  if (shuttingDown) return;

  if ((await run('[demo]', path.join(BIN, 'tsx'), ['demo/db/migrate.ts'])) !== 0) {
    await shutdown(1);
    return;
  }
  if (shuttingDown) return;
  start('demo', '[demo]', path.join(BIN, 'tsx'), ['demo/main.ts']);
  // Redrive's webhook channel in demo/redrive.demo.yaml posts alerts here; it prints them.
  start('alerts', '[alert receiver]', process.execPath, ['demo/alert-receiver.mjs']);

  const state = buildState(ROOT);
  if (state !== 'current') {
    console.log(
      state === 'missing'
        ? '[redrive] no production build yet: running `next build` (takes a minute or two)'
        : '[redrive] the sources changed since the last build: running `next build` (takes a minute or two)',
    );
    const digest = sourcesDigest(ROOT);
    if ((await run('[redrive]', path.join(BIN, 'next'), ['build'])) !== 0) {
      await shutdown(1);
      return;
    }
    stampBuild(ROOT, digest);
  }
  if (shuttingDown) return;
  start('redrive', '[redrive]', path.join(BIN, 'next'), ['start', '-p', PORT], {
    REDRIVE_CONFIG: path.join('demo', 'redrive.demo.yaml'),
    NODE_OPTIONS: serverEnv(env).NODE_OPTIONS,
  });

  console.log(
    [
      '',
      `[demo.mjs] Redrive dashboard:  http://localhost:${PORT}`,
      '[demo.mjs] Sign in as "admin": the password is REDRIVE_ADMIN_PASSWORD if set, otherwise the one',
      '[demo.mjs]   [redrive] prints on its first run (look for "First run: created user").',
      `[demo.mjs] Fault knobs:        curl -s http://127.0.0.1:${ADMIN_PORT}/faults   (see demo/README.md)`,
      `[demo.mjs] Alerts:             firing and resolved alerts are printed by [alert receiver] on 127.0.0.1:${RECEIVER_PORT} (Alerts page: /alerts;`,
      '[demo.mjs]   stop a consumer and watch it fire: see "The demo loop" in docs/alerts.md)',
      '[demo.mjs] Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`[demo.mjs] ${err.stack ?? err}`);
  void shutdown(1);
});
