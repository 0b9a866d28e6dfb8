// Apicurio Registry for the local stack: a real schema registry (Confluent-compatible API under
// /apis/ccompat/v7) for decoding Avro, Protobuf and JSON Schema dead letters. Its own distribution from
// Maven Central (io.apicurio:apicurio-registry-app:<version>:tar.gz:all, stack/apicurio/pom.xml) is unpacked
// into .stack/lib/apicurio and run as `java -jar quarkus-run.jar` with in-memory (H2) storage, so every start
// is an empty registry: tests register what they need. It needs Java 21+, found on its own (the stack's
// `java` may be 17): STACK_REGISTRY_JAVA, then STACK_JAVA / JAVA_HOME / java, then /usr/lib/jvm/*.
// Plain ESM: runs before any build.
//
// Env: APICURIO_PORT (8085), APICURIO_MANAGEMENT_PORT (9086, Quarkus health/metrics), STACK_REGISTRY_JAVA.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isAliveAs, portFree, readPid } from './stack-process.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATE = path.join(ROOT, '.stack');
const LOGS = path.join(STATE, 'logs');
const POM = path.join(ROOT, 'stack', 'apicurio', 'pom.xml');
const LIB = path.join(STATE, 'lib', 'apicurio');
const PID_FILE = path.join(STATE, 'apicurio.pid');
const LOG_FILE = path.join(LOGS, 'apicurio.log');
const HOST = '127.0.0.1';
const PORT = Number(process.env.APICURIO_PORT || 8085);
const MANAGEMENT_PORT = Number(process.env.APICURIO_MANAGEMENT_PORT || 9086);
const MVN = process.env.STACK_MVN || 'mvn';
const MIN_JAVA = 21;
const STOP_GRACE_MS = 20_000;

/** The Confluent-compatible base URL Redrive and the tests use. */
export const REGISTRY_URL = `http://${HOST}:${PORT}/apis/ccompat/v7`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rel = (p) => path.relative(process.cwd(), p) || '.';

function javaMajor(java) {
  const res = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${res.stderr ?? ''}${res.stdout ?? ''}`);
  if (!m) return null;
  // Java 8 and older report "1.8.0_x".
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/** The first Java 21+ among the candidates, or null with the versions found. */
export function findRegistryJava() {
  const candidates = [];
  if (process.env.STACK_REGISTRY_JAVA) candidates.push(process.env.STACK_REGISTRY_JAVA);
  if (process.env.STACK_JAVA) candidates.push(process.env.STACK_JAVA);
  if (process.env.JAVA_HOME) candidates.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  candidates.push('java');
  try {
    // Newest first: directory names carry the version (temurin-25-jdk-amd64, java-17-openjdk-amd64).
    const dirs = fs.readdirSync('/usr/lib/jvm').sort((a, b) => (Number(/\d+/.exec(b)?.[0] ?? 0) - Number(/\d+/.exec(a)?.[0] ?? 0)));
    for (const d of dirs) candidates.push(path.join('/usr/lib/jvm', d, 'bin', 'java'));
  } catch {}
  const seen = [];
  for (const java of [...new Set(candidates)]) {
    const major = javaMajor(java);
    if (major === null) continue;
    if (major >= MIN_JAVA) return { java, major, seen };
    seen.push(`${java} (${major})`);
  }
  return { java: null, major: null, seen };
}

function pomHash() {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

function unpacked() {
  try {
    return fs.readFileSync(path.join(LIB, '.resolved'), 'utf8').trim() === pomHash() && fs.existsSync(path.join(LIB, 'quarkus-run.jar'));
  } catch {
    return false;
  }
}

/** Unpacks the distribution with maven-dependency-plugin (first run, or when the pom changes). */
function unpack() {
  return new Promise((resolve, reject) => {
    fs.rmSync(LIB, { recursive: true, force: true });
    fs.mkdirSync(LIB, { recursive: true });
    fs.mkdirSync(LOGS, { recursive: true });
    const logFile = path.join(LOGS, 'mvn-apicurio.log');
    const out = fs.openSync(logFile, 'w');
    const started = Date.now();
    const child = spawn(MVN, ['-B', '-q', '-f', POM, 'dependency:unpack', `-Dapicurio.outputDirectory=${LIB}`], { cwd: ROOT, stdio: ['ignore', out, out] });
    child.on('error', (err) => {
      fs.closeSync(out);
      reject(new Error(`cannot run "${MVN}" to unpack Apicurio Registry (${err.message}); install Maven 3 or set STACK_MVN`));
    });
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code !== 0) return reject(new Error(`Maven failed (exit ${code}) unpacking Apicurio Registry; see ${rel(logFile)}`));
      fs.writeFileSync(path.join(LIB, '.resolved'), pomHash() + '\n');
      console.log(`stack: unpacked Apicurio Registry in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${rel(LIB)}`);
      resolve();
    });
  });
}

/** The JVM arguments: loopback only, in-memory H2 storage, the management interface on its own loopback port. */
export function registryArgs() {
  return [
    '-Xms64m',
    '-Xmx384m',
    `-Dquarkus.http.host=${HOST}`,
    `-Dquarkus.http.port=${PORT}`,
    `-Dquarkus.management.host=${HOST}`,
    `-Dquarkus.management.port=${MANAGEMENT_PORT}`,
    '-Dapicurio.storage.kind=sql',
    '-Dapicurio.storage.sql.kind=h2',
    '-jar',
    path.join(LIB, 'quarkus-run.jar'),
  ];
}



// Guard against pid reuse: the command line must still be our registry (by name, not by path: .stack may be a
// symlink shared between checkouts).
const isAlive = (pid) => isAliveAs(pid, (cmd) => cmd.includes('apicurio') && cmd.includes('quarkus-run.jar'));

function runningPid() {
  const pid = readPid(PID_FILE);
  return pid && isAlive(pid) ? pid : null;
}


function tail(n) {
  try {
    return fs.readFileSync(LOG_FILE, 'utf8').trimEnd().split('\n').slice(-n).map((l) => `    ${l}`).join('\n');
  } catch {
    return `    (no log at ${rel(LOG_FILE)})`;
  }
}

/** Healthy when the Confluent-compatible API answers (what Redrive uses), with the version from system info. */
export async function registryHealth() {
  try {
    const subjects = await fetch(`${REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(3000) });
    if (!subjects.ok) return { ok: false, detail: `ccompat API answered HTTP ${subjects.status}` };
    const count = (await subjects.json()).length;
    const info = await fetch(`http://${HOST}:${PORT}/apis/registry/v3/system/info`, { signal: AbortSignal.timeout(3000) });
    const version = info.ok ? (await info.json()).version : '?';
    return { ok: true, detail: `Apicurio Registry ${version}, ${count} subjects` };
  } catch (err) {
    return { ok: false, detail: `not answering on ${REGISTRY_URL} (${err.cause?.code ?? err.message})` };
  }
}

/**
 * Starts the registry if it is not running and waits until healthy. Never exits the process: returns
 * { ok, detail, pid, startupMs } for stack.mjs to print and count.
 */
export async function registryUp({ timeoutMs = 90_000 } = {}) {
  const existing = runningPid();
  if (existing) {
    const health = await registryHealth();
    return { ok: health.ok, pid: existing, detail: `already running (pid ${existing}): ${health.detail}` };
  }
  fs.rmSync(PID_FILE, { force: true });
  for (const port of [PORT, MANAGEMENT_PORT]) {
    if (!(await portFree(port, HOST))) {
      return { ok: false, detail: `port ${port} on ${HOST} is in use by another process; choose another with APICURIO_PORT / APICURIO_MANAGEMENT_PORT` };
    }
  }
  const { java, major, seen } = findRegistryJava();
  if (!java) return { ok: false, detail: `Apicurio Registry needs Java ${MIN_JAVA}+; found ${seen.join(', ') || 'none'} (set STACK_REGISTRY_JAVA)` };
  try {
    if (!unpacked()) await unpack();
  } catch (err) {
    return { ok: false, detail: err.message };
  }
  fs.mkdirSync(LOGS, { recursive: true });
  const fd = fs.openSync(LOG_FILE, 'a');
  fs.writeSync(fd, `\n===== redrive stack: starting apicurio (Java ${major}) at ${new Date().toISOString()} =====\n`);
  const started = Date.now();
  const child = spawn(java, registryArgs(), { cwd: LIB, detached: true, stdio: ['ignore', fd, fd], env: process.env });
  fs.closeSync(fd);
  let spawnError = null;
  child.on('error', (err) => (spawnError = err));
  if (!child.pid) return { ok: false, detail: `cannot start ${java}` };
  fs.writeFileSync(PID_FILE, `${child.pid}\n`);
  child.unref();
  let last = { ok: false, detail: 'not checked yet' };
  while (Date.now() - started < timeoutMs) {
    if (spawnError) return { ok: false, pid: child.pid, detail: `could not be started: ${spawnError.message}` };
    if (!isAlive(child.pid)) {
      fs.rmSync(PID_FILE, { force: true });
      return { ok: false, detail: `exited during startup; log ${rel(LOG_FILE)}:\n${tail(20)}` };
    }
    last = await registryHealth();
    if (last.ok) {
      const startupMs = Date.now() - started;
      return { ok: true, pid: child.pid, startupMs, detail: `healthy (pid ${child.pid}) in ${(startupMs / 1000).toFixed(1)} s - ${REGISTRY_URL} (${last.detail})` };
    }
    await sleep(500);
  }
  return { ok: false, pid: child.pid, detail: `not healthy after ${timeoutMs / 1000} s (${last.detail}); log ${rel(LOG_FILE)}:\n${tail(20)}` };
}

/** SIGTERM, then SIGKILL after 20 s. */
export async function registryDown() {
  const pid = runningPid();
  if (!pid) {
    fs.rmSync(PID_FILE, { force: true });
    console.log('stack: apicurio not running');
    return;
  }
  console.log(`stack: stopping apicurio (pid ${pid})...`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline && isAlive(pid)) await sleep(250);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    await sleep(500);
  }
  if (isAlive(pid)) {
    console.error(`stack: ERROR: apicurio (pid ${pid}) did not stop`);
    process.exitCode = 1;
    return;
  }
  fs.rmSync(PID_FILE, { force: true });
  console.log('stack: apicurio stopped');
}

/** The status row, in the shape of the other parts'. */
export async function registryStatus() {
  const pid = runningPid();
  const health = pid ? await registryHealth() : { ok: false, detail: '' };
  let rssMb = null;
  try {
    if (pid) rssMb = Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
  } catch {}
  return {
    name: 'apicurio',
    running: Boolean(pid),
    pid,
    ports: { HTTP: PORT, MANAGEMENT: MANAGEMENT_PORT },
    endpoint: REGISTRY_URL,
    healthy: health.ok,
    detail: rssMb ? `${health.detail}, RSS ${rssMb} MB` : health.detail,
    log: rel(LOG_FILE),
  };
}

/** Manual use (the tests' registry when the shared stack is already up): node scripts/stack-registry.mjs up|down|status */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  if (cmd === 'up') {
    const res = await registryUp();
    console.log(`stack: apicurio ${res.ok ? '' : 'ERROR: '}${res.detail}`);
    if (!res.ok) process.exitCode = 1;
  } else if (cmd === 'down') {
    await registryDown();
  } else if (cmd === 'status') {
    console.log(JSON.stringify(await registryStatus(), null, 2));
  } else {
    console.error('usage: node scripts/stack-registry.mjs up|down|status');
    process.exitCode = 2;
  }
}
