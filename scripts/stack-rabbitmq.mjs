// RabbitMQ for the local stack. Unlike Kafka and ElasticMQ the stack does not start RabbitMQ (a system service
// owns it); it only makes sure the management API and dynamic shovels are on, because Redrive reads depths,
// policies and bindings through the management API and moves messages with shovels.
// Where RabbitMQ is not installed or not running, this says so and the rest of the stack carries on.
// Plain ESM: runs before any build.

import { spawn } from 'node:child_process';
import net from 'node:net';

const HOST = process.env.RABBITMQ_HOST || '127.0.0.1';
const AMQP_PORT = Number(process.env.RABBITMQ_PORT || 5672);
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL || `http://${HOST}:15672`;
const USER = process.env.RABBITMQ_USER || 'guest';
const PASSWORD = process.env.RABBITMQ_PASSWORD || 'guest';
const PLUGINS_CLI = process.env.STACK_RABBITMQ_PLUGINS || 'rabbitmq-plugins';
export const RABBITMQ_PLUGINS = ['rabbitmq_management', 'rabbitmq_shovel', 'rabbitmq_shovel_management'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function portOpen(port, host = HOST, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Runs a command; resolves with its exit code and output (code null: it could not be started, e.g. not installed). */
function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    let output = '';
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, output: err.message });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, output: err.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The management API's overview, or why it did not answer. */
export async function managementOverview() {
  try {
    const res = await fetch(`${MANAGEMENT_URL}/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
      signal: AbortSignal.timeout(3000),
    });
    if (!res.ok) return { ok: false, detail: `management API answered HTTP ${res.status}` };
    const body = await res.json();
    return { ok: true, version: body.rabbitmq_version ?? null, erlang: body.erlang_version ?? null, node: body.node ?? null };
  } catch (err) {
    return { ok: false, detail: `management API at ${MANAGEMENT_URL} not reachable (${err.cause?.code ?? err.message})` };
  }
}

/**
 * Enables the management and shovel plugins on the running node (online: no restart) and waits until the
 * management API answers. Never throws: returns { ok, skipped, detail } for the caller to print.
 */
export async function rabbitmqUp({ timeoutMs = 60_000 } = {}) {
  if (!(await portOpen(AMQP_PORT))) {
    return { ok: false, skipped: true, detail: `RabbitMQ is not running on ${HOST}:${AMQP_PORT}: skipped (Redrive works without it)` };
  }
  // Always enable: idempotent, and the management API answering does not prove the shovel plugins are on.
  const enabled = await run(PLUGINS_CLI, ['enable', ...RABBITMQ_PLUGINS], 120_000);
  if (enabled.code === null) {
    return { ok: false, skipped: true, detail: `${PLUGINS_CLI} not found (${enabled.output.trim()}): RabbitMQ plugins not enabled, skipped` };
  }
  if (enabled.code !== 0) {
    return { ok: false, skipped: false, detail: `${PLUGINS_CLI} enable failed (exit ${enabled.code}): ${enabled.output.trim().split('\n').slice(-3).join(' ')}` };
  }
  // The management listener starts a moment after the plugin is enabled.
  const deadline = Date.now() + timeoutMs;
  let last = await managementOverview();
  while (!last.ok && Date.now() < deadline) {
    await sleep(1000);
    last = await managementOverview();
  }
  if (!last.ok) return { ok: false, skipped: false, detail: `plugins enabled but ${last.detail} after ${timeoutMs / 1000} s` };
  return { ok: true, skipped: false, detail: `RabbitMQ ${last.version} (${last.node}), management API ${MANAGEMENT_URL}` };
}

/** The status row: AMQP port open, version and management API from /api/overview. */
export async function rabbitmqStatus() {
  const running = await portOpen(AMQP_PORT);
  const management = running ? await managementOverview() : { ok: false, detail: '' };
  return {
    name: 'rabbitmq',
    running,
    pid: null,
    ports: { AMQP: AMQP_PORT },
    endpoint: `amqp://${HOST}:${AMQP_PORT}`,
    managementUrl: MANAGEMENT_URL,
    version: management.ok ? management.version : null,
    managementApi: management.ok,
    healthy: running && management.ok,
    detail: !running
      ? `not running on ${HOST}:${AMQP_PORT} (optional)`
      : management.ok
        ? `RabbitMQ ${management.version}, management API reachable`
        : `${management.detail} (run "node scripts/stack.mjs up" to enable it)`,
    // Optional: a missing RabbitMQ does not make the stack unhealthy.
    optional: true,
  };
}
