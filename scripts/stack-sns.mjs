// SNS (and its SQS) for the local stack: fauxqs (npm, MIT, a devDependency pinned in package.json), an in-memory
// server of the SNS and SQS APIs written in Node (22.5+). Its CLI listens on 0.0.0.0, so the stack never runs the
// CLI: `node scripts/stack-sns.mjs serve` builds the app with fauxqs's `buildApp()` and listens on 127.0.0.1 only.
// Every start is empty (no persistence): tests and the demo create their topics, queues and subscriptions.
// fauxqs stores a subscription's RedrivePolicy and returns it, but does not itself move a failed delivery to
// that dead-letter queue (it has no endpoints that fail): tests put such messages there as SNS would.
// Plain ESM: runs before any build.
//
// Env: FAUXQS_PORT (9911), STACK_STATE_DIR (.stack; the tests of this script point it elsewhere).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { isAliveAs, portFree, readPid } from './stack-process.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const HOST = '127.0.0.1';
const STOP_GRACE_MS = 10_000;
/** fauxqs names its accounts 000000000000 and, unless told otherwise, its region us-east-1. */
export const FAUXQS_REGION = 'us-east-1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rel = (p) => path.relative(process.cwd(), p) || '.';

function settings(env = process.env) {
  const port = Number(env.FAUXQS_PORT || 9911);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`FAUXQS_PORT must be an integer from 1 to 65535, got "${env.FAUXQS_PORT}"`);
  const state = path.resolve(env.STACK_STATE_DIR || path.join(ROOT, '.stack'));
  return { port, state, pidFile: path.join(state, 'fauxqs.pid'), logFile: path.join(state, 'logs', 'fauxqs.log'), endpoint: `http://${HOST}:${port}` };
}

/** The endpoint Redrive's SQS connection (with `sns:`) and the tests use. */
export const FAUXQS_ENDPOINT = settings().endpoint;

/**
 * Starts fauxqs in this process on 127.0.0.1:`port` (0: any free port) and resolves with its endpoint and a stop
 * function. What the `serve` command runs, and what integration tests call to have a server of their own.
 */
export async function startFauxqsServer({ port = settings().port, logger = false } = {}) {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger, defaultRegion: FAUXQS_REGION });
  const address = await app.listen({ port, host: HOST });
  const actual = Number(new URL(address).port);
  return { endpoint: `http://${HOST}:${actual}`, port: actual, stop: () => app.close() };
}

/** Healthy when ListTopics and ListQueues answer, with the clients Redrive uses. */
export async function snsHealth(endpoint = FAUXQS_ENDPOINT) {
  const { SNSClient, ListTopicsCommand } = await import('@aws-sdk/client-sns');
  const { SQSClient, ListQueuesCommand } = await import('@aws-sdk/client-sqs');
  const client = { region: FAUXQS_REGION, endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  const sns = new SNSClient(client);
  const sqs = new SQSClient(client);
  try {
    const signal = AbortSignal.timeout(3000);
    const topics = await sns.send(new ListTopicsCommand({}), { abortSignal: signal });
    const queues = await sqs.send(new ListQueuesCommand({}), { abortSignal: signal });
    return { ok: true, detail: `fauxqs, ${topics.Topics?.length ?? 0} topics, ${queues.QueueUrls?.length ?? 0} queues` };
  } catch (err) {
    return { ok: false, detail: `not answering on ${endpoint} (${err.cause?.code ?? err.code ?? err.message})` };
  } finally {
    sns.destroy();
    sqs.destroy();
  }
}



// Guard against pid reuse: the command line must still be this script serving.
const isAlive = (pid) => isAliveAs(pid, (cmd) => cmd.includes('stack-sns.mjs') && cmd.includes('serve'));

function runningPid(pidFile) {
  const pid = readPid(pidFile);
  return pid && isAlive(pid) ? pid : null;
}


function tail(logFile, n) {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-n).map((l) => `    ${l}`).join('\n');
  } catch {
    return `    (no log at ${rel(logFile)})`;
  }
}

/**
 * Starts fauxqs as a detached process (`serve`) if it is not running, and waits until healthy. Never exits the
 * process: returns { ok, detail, pid, startupMs } for stack.mjs to print and count.
 */
export async function snsUp({ timeoutMs = 30_000, env = process.env } = {}) {
  const { port, pidFile, logFile, endpoint } = settings(env);
  const existing = runningPid(pidFile);
  if (existing) {
    const health = await snsHealth(endpoint);
    return { ok: health.ok, pid: existing, detail: `already running (pid ${existing}): ${health.detail}` };
  }
  fs.rmSync(pidFile, { force: true });
  if (!(await portFree(port, HOST))) return { ok: false, detail: `port ${port} on ${HOST} is in use by another process; choose another with FAUXQS_PORT` };
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n===== redrive stack: starting fauxqs at ${new Date().toISOString()} =====\n`);
  const started = Date.now();
  const child = spawn(process.execPath, [SELF, 'serve'], { cwd: ROOT, detached: true, stdio: ['ignore', fd, fd], env: { ...env, FAUXQS_PORT: String(port) } });
  fs.closeSync(fd);
  let spawnError = null;
  child.on('error', (err) => (spawnError = err));
  if (!child.pid) return { ok: false, detail: `cannot start ${process.execPath}` };
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  child.unref();
  let last = { ok: false, detail: 'not checked yet' };
  while (Date.now() - started < timeoutMs) {
    if (spawnError) return { ok: false, pid: child.pid, detail: `could not be started: ${spawnError.message}` };
    if (!isAlive(child.pid)) {
      fs.rmSync(pidFile, { force: true });
      return { ok: false, detail: `exited during startup; log ${rel(logFile)}:\n${tail(logFile, 20)}` };
    }
    last = await snsHealth(endpoint);
    if (last.ok) {
      const startupMs = Date.now() - started;
      return { ok: true, pid: child.pid, startupMs, detail: `healthy (pid ${child.pid}) in ${(startupMs / 1000).toFixed(1)} s - ${endpoint} (${last.detail})` };
    }
    await sleep(250);
  }
  return { ok: false, pid: child.pid, detail: `not healthy after ${timeoutMs / 1000} s (${last.detail}); log ${rel(logFile)}:\n${tail(logFile, 20)}` };
}

/** SIGTERM, then SIGKILL after 10 s. Returns whether it is stopped. */
export async function snsDown({ env = process.env } = {}) {
  const { pidFile } = settings(env);
  const pid = runningPid(pidFile);
  if (!pid) {
    fs.rmSync(pidFile, { force: true });
    console.log('stack: fauxqs not running');
    return true;
  }
  console.log(`stack: stopping fauxqs (pid ${pid})...`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline && isAlive(pid)) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    await sleep(500);
  }
  if (isAlive(pid)) {
    console.error(`stack: ERROR: fauxqs (pid ${pid}) did not stop`);
    process.exitCode = 1;
    return false;
  }
  fs.rmSync(pidFile, { force: true });
  console.log('stack: fauxqs stopped');
  return true;
}

/** The status row, in the shape of the other parts'. */
export async function snsStatus({ env = process.env } = {}) {
  const { port, pidFile, logFile, endpoint } = settings(env);
  const pid = runningPid(pidFile);
  const health = pid ? await snsHealth(endpoint) : { ok: false, detail: '' };
  return { name: 'fauxqs', running: Boolean(pid), pid, ports: { 'SNS+SQS': port }, endpoint, healthy: health.ok, detail: health.detail, log: rel(logFile) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const cmd = process.argv[2];
  if (cmd === 'serve') {
    // No request log: the sampler asks every few seconds; failures reach the clients that asked.
    const server = await startFauxqsServer({ logger: false });
    console.log(`fauxqs listening on ${server.endpoint}`);
    const stop = () => server.stop().finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  } else if (cmd === 'up') {
    const res = await snsUp();
    console.log(`stack: fauxqs ${res.ok ? '' : 'ERROR: '}${res.detail}`);
    if (!res.ok) process.exitCode = 1;
  } else if (cmd === 'down') {
    await snsDown();
  } else if (cmd === 'status') {
    console.log(JSON.stringify(await snsStatus(), null, 2));
  } else {
    console.error('usage: node scripts/stack-sns.mjs up|down|status|serve');
    process.exitCode = 2;
  }
}
