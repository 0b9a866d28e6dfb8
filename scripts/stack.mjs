#!/usr/bin/env node
// Local broker stack for Redrive: a single-node Apache Kafka (KRaft) and ElasticMQ (SQS API), plus the
// management and shovel plugins on a RabbitMQ that a system service runs (optional: skipped where absent).
//
//   node scripts/stack.mjs up       resolve jars (first run only), start both, wait until healthy
//   node scripts/stack.mjs status   running/stopped, pid, port, healthy per part (--json for JSON)
//   node scripts/stack.mjs down     clean shutdown (SIGTERM, then SIGKILL after 20 s)
//
// Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_SSL_PORT (9094, mTLS),
//      KAFKA_SASL_PORT (9095, SASL_SSL SCRAM-SHA-512), ELASTICMQ_PORT (9324),
//      STACK_TIMEOUT_MS (90000), STACK_JAVA (java), STACK_MVN (mvn), STACK_OPENSSL (openssl), STACK_KEYTOOL (keytool),
//      RABBITMQ_HOST (127.0.0.1), RABBITMQ_PORT (5672), RABBITMQ_MANAGEMENT_URL (http://127.0.0.1:15672),
//      RABBITMQ_USER/RABBITMQ_PASSWORD (guest/guest), STACK_RABBITMQ_PLUGINS (rabbitmq-plugins).
//      NATS_HOST (127.0.0.1), NATS_PORT (4222): status only reports NATS (a system service; never started or stopped here).
//      FAUXQS_PORT (9911): fauxqs, SNS and SQS in one Node process (scripts/stack-sns.mjs), on 127.0.0.1.
// Everything it creates lives under .stack/ in the repo root. See stack/README.md.
// Plain ESM: runs before any build.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isAliveAs, portFree, readPid } from './stack-process.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatKafkaStorage, kafkaClusterId, kafkaServerArgs } from './kafka-node.mjs';
import { natsStatus } from './stack-nats.mjs';
import { rabbitmqStatus, rabbitmqUp } from './stack-rabbitmq.mjs';
import { REGISTRY_URL, registryDown, registryStatus, registryUp } from './stack-registry.mjs';
import { FAUXQS_ENDPOINT, snsDown, snsStatus, snsUp } from './stack-sns.mjs';
import { clientPemFiles, ensureCertificates, ensureScramUser, kafkaSecureHealth, kafkaTlsProperties, SCRAM, scramFormatArgs } from './stack-tls.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STACK_SRC = path.join(ROOT, 'stack');
const STATE = path.join(ROOT, '.stack');
const LOGS = path.join(STATE, 'logs');
const LIB = path.join(STATE, 'lib');

const JAVA = process.env.STACK_JAVA || 'java';
const MVN = process.env.STACK_MVN || 'mvn';
const TIMEOUT_MS = intEnv('STACK_TIMEOUT_MS', 90_000, Number.MAX_SAFE_INTEGER);
const STOP_GRACE_MS = 20_000;
const KAFKA_PORT = intEnv('KAFKA_PORT', 9092);
const KAFKA_CONTROLLER_PORT = intEnv('KAFKA_CONTROLLER_PORT', 9093);
const KAFKA_SSL_PORT = intEnv('KAFKA_SSL_PORT', 9094);
const KAFKA_SASL_PORT = intEnv('KAFKA_SASL_PORT', 9095);
const ELASTICMQ_PORT = intEnv('ELASTICMQ_PORT', 9324);
const HOST = '127.0.0.1';

function intEnv(name, dflt, max = 65535) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > max) {
    fail(`${name} must be an integer from 1 to ${max}, got "${raw}"`);
  }
  return n;
}

function fail(msg) {
  console.error(`stack: ${msg}`);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rel = (p) => path.relative(process.cwd(), p) || '.';

// ---------------------------------------------------------------------------------------------
// Parts
// ---------------------------------------------------------------------------------------------

const kafka = {
  name: 'kafka',
  mainClass: 'kafka.Kafka',
  pom: path.join(STACK_SRC, 'kafka', 'pom.xml'),
  lib: path.join(LIB, 'kafka'),
  dir: path.join(STATE, 'kafka'),
  pidFile: path.join(STATE, 'kafka.pid'),
  logFile: path.join(LOGS, 'kafka.log'),
  ports: [
    { label: 'PLAINTEXT', port: KAFKA_PORT },
    { label: 'CONTROLLER', port: KAFKA_CONTROLLER_PORT },
    { label: 'SSL', port: KAFKA_SSL_PORT },
    { label: 'SASL_SSL', port: KAFKA_SASL_PORT },
  ],
  endpoint: `${HOST}:${KAFKA_PORT}`,
  prepare: prepareKafka,
  args() {
    return kafkaServerArgs({
      classpath: path.join(this.lib, '*'),
      log4j: path.join(STACK_SRC, 'kafka', 'log4j2.properties'),
      props: path.join(this.dir, 'server.properties'),
    });
  },
  health: kafkaHealth,
};

const elasticmq = {
  name: 'elasticmq',
  mainClass: 'org.elasticmq.server.Main',
  pom: path.join(STACK_SRC, 'elasticmq', 'pom.xml'),
  lib: path.join(LIB, 'elasticmq'),
  dir: path.join(STATE, 'elasticmq'),
  pidFile: path.join(STATE, 'elasticmq.pid'),
  logFile: path.join(LOGS, 'elasticmq.log'),
  ports: [{ label: 'SQS', port: ELASTICMQ_PORT }],
  endpoint: `http://localhost:${ELASTICMQ_PORT}`,
  prepare() {
    fs.mkdirSync(path.join(this.dir, 'data'), { recursive: true });
  },
  args() {
    return [
      '-Xms64m',
      '-Xmx256m',
      '-Djava.awt.headless=true',
      `-Dconfig.file=${path.join(STACK_SRC, 'elasticmq.conf')}`,
      '-cp',
      path.join(this.lib, '*'),
      this.mainClass,
    ];
  },
  health: elasticmqHealth,
};

const PARTS = [kafka, elasticmq];

// ---------------------------------------------------------------------------------------------
// Jar resolution (Maven), skipped when .stack/lib/<part>/.resolved matches the pom's hash
// ---------------------------------------------------------------------------------------------

function pomHash(part) {
  return createHash('sha256').update(fs.readFileSync(part.pom)).digest('hex');
}

function libsReady(part) {
  try {
    return fs.readFileSync(path.join(part.lib, '.resolved'), 'utf8').trim() === pomHash(part);
  } catch {
    return false;
  }
}

function resolveLibs(part) {
  return new Promise((resolve, reject) => {
    fs.rmSync(part.lib, { recursive: true, force: true });
    fs.mkdirSync(part.lib, { recursive: true });
    fs.mkdirSync(LOGS, { recursive: true });
    const logFile = path.join(LOGS, `mvn-${part.name}.log`);
    const out = fs.openSync(logFile, 'w');
    const args = [
      '-B',
      '-q',
      '-f',
      part.pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${part.lib}`,
      '-DincludeScope=runtime',
    ];
    const started = Date.now();
    const child = spawn(MVN, args, { cwd: ROOT, stdio: ['ignore', out, out] });
    child.on('error', (err) => {
      fs.closeSync(out);
      reject(new Error(`cannot run "${MVN}" to resolve ${part.name} jars (${err.message}); install Maven 3 or set STACK_MVN`));
    });
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code !== 0) {
        reject(new Error(`Maven failed (exit ${code}) resolving ${part.name} jars; see ${rel(logFile)}\n${tail(logFile, 20)}`));
        return;
      }
      fs.writeFileSync(path.join(part.lib, '.resolved'), pomHash(part) + '\n');
      console.log(`stack: resolved ${part.name} jars in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${rel(part.lib)}`);
      resolve();
    });
  });
}

async function ensureLibs(parts) {
  const missing = parts.filter((p) => !libsReady(p));
  if (missing.length === 0) return;
  console.log(`stack: resolving jars with Maven for ${missing.map((p) => p.name).join(', ')} (first run only)...`);
  await Promise.all(missing.map(resolveLibs));
}

// ---------------------------------------------------------------------------------------------
// Kafka: server.properties + one-time storage format
// ---------------------------------------------------------------------------------------------

function kafkaProperties() {
  const dataDir = path.join(kafka.dir, 'data');
  return `# Generated by scripts/stack.mjs on every "up" - edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://${HOST}:${KAFKA_PORT},CONTROLLER://${HOST}:${KAFKA_CONTROLLER_PORT},SSL://${HOST}:${KAFKA_SSL_PORT},SASL_SSL://${HOST}:${KAFKA_SASL_PORT}
advertised.listeners=PLAINTEXT://${HOST}:${KAFKA_PORT},SSL://${HOST}:${KAFKA_SSL_PORT},SASL_SSL://${HOST}:${KAFKA_SASL_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
${kafkaTlsProperties(STATE)}log.dirs=${dataDir}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# DLQs keep what failed, big payloads included: accept records up to 10 MiB.
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`;
}

function prepareKafka() {
  const dataDir = path.join(kafka.dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const props = path.join(kafka.dir, 'server.properties');
  ensureCertificates(STATE);
  fs.writeFileSync(props, kafkaProperties());
  if (fs.existsSync(path.join(dataDir, 'meta.properties'))) return;
  const clusterId = kafkaClusterId();
  console.log(`stack: formatting Kafka storage (cluster id ${clusterId})...`);
  formatKafkaStorage({
    java: JAVA,
    classpath: path.join(kafka.lib, '*'),
    log4j: path.join(STACK_SRC, 'kafka', 'log4j2.properties'),
    props,
    clusterId,
    cwd: ROOT,
    extraArgs: scramFormatArgs(),
  });
  fs.writeFileSync(path.join(kafka.dir, 'cluster-id'), clusterId + '\n');
  // The SCRAM user came with the format; storage formatted before the SASL listener gets it after start.
  fs.writeFileSync(path.join(kafka.dir, 'scram-user'), SCRAM.username + '\n');
}

// ---------------------------------------------------------------------------------------------
// Health checks, with the same clients Redrive uses (npm ci installs them before the stack starts)
// ---------------------------------------------------------------------------------------------

async function kafkaHealth() {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const client = new Kafka({
    clientId: 'redrive-stack-health',
    brokers: [kafka.endpoint],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = client.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers?.length) throw new Error('no brokers in metadata');
    if (cluster.controller == null || cluster.controller < 0) throw new Error('no active controller yet');
    await admin.listTopics();
    return { ok: true, detail: `cluster ${cluster.clusterId}` };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function elasticmqHealth() {
  const { SQSClient, ListQueuesCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({
    endpoint: elasticmq.endpoint,
    region: 'elasticmq',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  try {
    const res = await client.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(5000) });
    return { ok: true, detail: `${res.QueueUrls?.length ?? 0} queues` };
  } finally {
    client.destroy();
  }
}

async function checkHealth(part) {
  try {
    return await part.health();
  } catch (err) {
    return { ok: false, detail: err?.message || String(err) };
  }
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------



// Guard against pid reuse: on Linux the command line must still be our JVM.
const isAlive = (pid) => isAliveAs(pid, (cmd) => cmd.includes('kafka.Kafka') || cmd.includes('org.elasticmq.server.Main'));

function runningPid(part) {
  const pid = readPid(part.pidFile);
  if (pid && isAlive(pid)) return pid;
  return null;
}


function tail(file, n) {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n).map((l) => `    ${l}`).join('\n');
  } catch {
    return `    (no log at ${rel(file)})`;
  }
}

function openLog(part) {
  fs.mkdirSync(LOGS, { recursive: true });
  // Keep one previous generation once the log grows past 20 MB.
  try {
    if (fs.statSync(part.logFile).size > 20 * 1024 * 1024) fs.renameSync(part.logFile, `${part.logFile}.1`);
  } catch {}
  const fd = fs.openSync(part.logFile, 'a');
  fs.writeSync(fd, `\n===== redrive stack: starting ${part.name} at ${new Date().toISOString()} =====\n`);
  return fd;
}

function startProcess(part) {
  part.prepare();
  const fd = openLog(part);
  const child = spawn(JAVA, part.args(), {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
  });
  fs.closeSync(fd);
  let spawnError = null;
  child.on('error', (err) => (spawnError = err));
  if (!child.pid) throw new Error(`cannot start "${JAVA}" for ${part.name}; install Java 17+ or set STACK_JAVA`);
  fs.writeFileSync(part.pidFile, `${child.pid}\n`);
  child.unref();
  return { pid: child.pid, error: () => spawnError };
}

async function stopProcess(part) {
  const pid = runningPid(part);
  if (!pid) {
    fs.rmSync(part.pidFile, { force: true });
    console.log(`stack: ${part.name} not running`);
    return;
  }
  console.log(`stack: stopping ${part.name} (pid ${pid})...`);
  const t0 = Date.now();
  try {
    process.kill(pid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline && isAlive(pid)) await sleep(250);
  let killed = false;
  if (isAlive(pid)) {
    killed = true;
    console.log(`stack: ${part.name} still alive after ${STOP_GRACE_MS / 1000} s, sending SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    const killDeadline = Date.now() + 5000;
    while (Date.now() < killDeadline && isAlive(pid)) await sleep(100);
  }
  if (isAlive(pid)) {
    console.error(`stack: ERROR: ${part.name} (pid ${pid}) did not stop`);
    process.exitCode = 1;
    return;
  }
  fs.rmSync(part.pidFile, { force: true });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`stack: ${part.name} stopped${killed ? ' (killed)' : ''} in ${secs} s`);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

class PartError extends Error {
  constructor(part, message) {
    super(message);
    this.part = part;
  }
}

async function waitHealthy(part, proc, startedAt) {
  const deadline = startedAt + TIMEOUT_MS;
  let last = { ok: false, detail: 'not checked yet' };
  while (Date.now() < deadline) {
    if (proc?.error()) throw new PartError(part, `${part.name} could not be started: ${proc.error().message}`);
    if (!isAlive(proc?.pid ?? runningPid(part) ?? -1)) {
      fs.rmSync(part.pidFile, { force: true });
      throw new PartError(part, `${part.name} exited during startup`);
    }
    last = await checkHealth(part);
    if (last.ok) return last;
    await sleep(500);
  }
  throw new PartError(part, `${part.name} not healthy after ${TIMEOUT_MS / 1000} s (last check: ${last.detail})`);
}

async function up() {
  const t0 = Date.now();
  // 1. What is already there?
  const plan = [];
  for (const part of PARTS) {
    const pid = runningPid(part);
    if (pid) {
      plan.push({ part, pid, existing: true });
      continue;
    }
    fs.rmSync(part.pidFile, { force: true });
    for (const { label, port } of part.ports) {
      if (!(await portFree(port, HOST))) {
        fail(
          `${part.name} ${label} port ${port} on ${HOST} is already in use by another process (not started by this stack).\n` +
            `       Stop it, or choose another port with ${portEnvName(part, label)}=<port>.`,
        );
      }
    }
    plan.push({ part, existing: false });
  }

  // The schema registry starts beside the brokers (its own Java, jars and health check); awaited at the end.
  const registry = registryUp();
  // fauxqs (SNS + SQS, a Node process of its own) likewise.
  const sns = snsUp();

  // 2. Jars (only for parts to start).
  const toStart = plan.filter((p) => !p.existing);
  try {
    await ensureLibs(toStart.map((p) => p.part));
  } catch (err) {
    fail(err.message);
  }

  // 3. Start what is not running, then wait for everything to be healthy.
  const startedAt = Date.now();
  for (const entry of plan) {
    if (entry.existing) continue;
    try {
      entry.proc = startProcess(entry.part);
      console.log(`stack: started ${entry.part.name} (pid ${entry.proc.pid}), log ${rel(entry.part.logFile)}`);
    } catch (err) {
      fail(`${entry.part.name}: ${err.message}`);
    }
  }
  const results = await Promise.allSettled(plan.map((e) => waitHealthy(e.part, e.proc, e.existing ? Date.now() : startedAt)));
  let failed = false;
  results.forEach((r, i) => {
    const { part, existing, proc, pid } = plan[i];
    if (r.status === 'fulfilled') {
      const what = existing ? `already running (pid ${pid}) and healthy` : `healthy (pid ${proc.pid})`;
      console.log(`stack: ${part.name} ${what} - ${part.endpoint} (${r.value.detail})`);
    } else {
      failed = true;
      console.error(`stack: ERROR: ${r.reason.message}`);
      console.error(`stack: ${part.name} log: ${rel(part.logFile)} (last 20 lines)\n${tail(part.logFile, 20)}`);
    }
  });
  if (!failed) {
    try {
      await secureListenersUp();
    } catch (err) {
      failed = true;
      console.error(`stack: ERROR: ${err.message}`);
      console.error(`stack: kafka log: ${rel(kafka.logFile)} (last 20 lines)\n${tail(kafka.logFile, 20)}`);
    }
  }
  const reg = await registry;
  console.log(`stack: apicurio ${reg.ok ? '' : 'ERROR: '}${reg.detail}`);
  if (!reg.ok) failed = true;
  const snsResult = await sns;
  console.log(`stack: fauxqs ${snsResult.ok ? '' : 'ERROR: '}${snsResult.detail}`);
  if (!snsResult.ok) failed = true;
  if (failed) {
    console.error('stack: up failed; parts that did start are left running for inspection - run "node scripts/stack.mjs down" to stop them.');
    process.exit(1);
  }
  if (toStart.length > 0) console.log(`stack: up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`stack: KAFKA_BROKERS=${kafka.endpoint}  SQS_ENDPOINT=${elasticmq.endpoint}  (region elasticmq, account 000000000000)  SCHEMA_REGISTRY_URL=${REGISTRY_URL}  SNS_ENDPOINT=${FAUXQS_ENDPOINT}`);
  // RabbitMQ is optional: whatever happens here, the stack is up.
  const rabbit = await rabbitmqUp();
  console.log(`stack: rabbitmq ${rabbit.ok ? 'ready' : rabbit.skipped ? 'skipped' : 'WARNING'} - ${rabbit.detail}`);
  const pem = clientPemFiles(STATE);
  console.log(`stack: TLS: CA ${rel(pem.ca)}, client certificate ${rel(pem.cert)}, key ${rel(pem.key)}; SCRAM user ${SCRAM.username}`);
}

const secureHealth = () => kafkaSecureHealth({ host: HOST, sslPort: KAFKA_SSL_PORT, saslPort: KAFKA_SASL_PORT, state: STATE });

// After the PLAINTEXT listener is healthy: the SCRAM user for storage formatted before it existed, then both
// secured listeners answering (SCRAM credentials reach the listener a moment after they are written).
async function secureListenersUp() {
  ensureScramUser({ java: JAVA, lib: kafka.lib, log4j: path.join(STACK_SRC, 'kafka', 'log4j2.properties'), bootstrap: kafka.endpoint, kafkaDir: kafka.dir });
  const deadline = Date.now() + 30_000;
  let listeners = await secureHealth();
  while (!listeners.every((l) => l.ok) && Date.now() < deadline) {
    await sleep(500);
    listeners = await secureHealth();
  }
  for (const l of listeners) console.log(`stack: kafka ${l.label} ${HOST}:${l.port} ${l.ok ? 'healthy' : 'UNHEALTHY'} (${l.detail})`);
  const bad = listeners.filter((l) => !l.ok);
  if (bad.length > 0) {
    throw new Error(`kafka ${bad.map((l) => l.label).join(' and ')} listener(s) not healthy` +
      ' (a Kafka started by an older stack.mjs has no secured listeners: run "stack:down", then "stack:up")');
  }
}

function portEnvName(part, label) {
  if (part === elasticmq) return 'ELASTICMQ_PORT';
  return { CONTROLLER: 'KAFKA_CONTROLLER_PORT', SSL: 'KAFKA_SSL_PORT', SASL_SSL: 'KAFKA_SASL_PORT' }[label] ?? 'KAFKA_PORT';
}

async function down() {
  await Promise.all([...PARTS.map(stopProcess), registryDown(), snsDown()]);
}

async function status(json) {
  const partRows = Promise.all(
    PARTS.map(async (part) => {
      const pid = runningPid(part);
      const health = pid ? await checkHealth(part) : { ok: false, detail: '' };
      // Kafka's secured listeners count towards its health, each reported on its own.
      const listeners = part === kafka && pid ? await secureHealth() : undefined;
      if (listeners?.some((l) => !l.ok)) health.ok = false;
      return {
        name: part.name,
        running: Boolean(pid),
        pid,
        ports: Object.fromEntries(part.ports.map((p) => [p.label, p.port])),
        endpoint: part.endpoint,
        healthy: health.ok,
        detail: health.detail,
        listeners,
        log: rel(part.logFile),
      };
    }),
  );
  const rows = [...(await partRows), await registryStatus(), await snsStatus()];
  const rabbit = await rabbitmqStatus();
  const nats = await natsStatus();
  if (json) {
    console.log(JSON.stringify([...rows, rabbit, nats], null, 2));
  } else {
    for (const r of rows) {
      const ports = Object.entries(r.ports).map(([l, p]) => `${l.toLowerCase()} ${p}`).join(', ');
      const state = r.running ? `running  pid ${String(r.pid).padEnd(8)}` : 'stopped  pid -       ';
      const health = r.running ? (r.healthy ? `healthy (${r.detail})` : `UNHEALTHY (${r.detail})`) : '-';
      console.log(`${r.name.padEnd(10)} ${state} ${ports.padEnd(30)} ${health}`);
      for (const l of r.listeners ?? []) console.log(`${''.padEnd(10)} listener ${l.label.padEnd(8)} ${HOST}:${l.port}  ${l.ok ? 'healthy' : 'UNHEALTHY'} (${l.detail})`);
    }
    const state = rabbit.running ? 'running  (system service)' : 'stopped  (optional)     ';
    console.log(`${'rabbitmq'.padEnd(10)} ${state} ${`amqp ${rabbit.ports.AMQP}`.padEnd(30)} ${rabbit.healthy ? 'healthy' : rabbit.running ? 'UNHEALTHY' : '-'} (${rabbit.detail})`);
    const natsState = nats.running ? 'running  (system service)' : 'stopped  (optional)     ';
    console.log(`${'nats'.padEnd(10)} ${natsState} ${`client ${nats.ports.CLIENT}`.padEnd(30)} ${nats.healthy ? 'healthy' : nats.running ? 'UNHEALTHY' : '-'} (${nats.detail})`);
  }
  // RabbitMQ and NATS are optional: they are reported, but do not decide the exit code.
  process.exitCode = rows.every((r) => r.running && r.healthy) ? 0 : 1;
}

const [cmd, ...rest] = process.argv.slice(2);
switch (cmd) {
  case 'up':
    await up();
    break;
  case 'down':
    await down();
    break;
  case 'status':
    await status(rest.includes('--json'));
    break;
  default:
    console.error('usage: node scripts/stack.mjs up|down|status [--json]');
    process.exit(2);
}
