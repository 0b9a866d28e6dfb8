// TLS and SASL for the local Kafka (used by scripts/stack.mjs): a private CA, a broker certificate for
// 127.0.0.1/localhost and a client certificate, made once with openssl and keytool under .stack/tls/; the
// broker's SSL listener requires the client certificate (mTLS), its SASL_SSL listener takes SCRAM-SHA-512
// (and -256) for one user. Local-only secrets: fixed keystore password, user and password from the env.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const OPENSSL = process.env.STACK_OPENSSL || 'openssl';
const KEYTOOL = process.env.STACK_KEYTOOL || 'keytool';
// Protects the broker's PKCS12 stores on a developer machine; nothing else.
const STORE_PASSWORD = 'redrive-stack';
const DAYS = '3650';

export const SCRAM = {
  username: process.env.KAFKA_SASL_USERNAME || 'redrive',
  password: process.env.KAFKA_SASL_PASSWORD || 'redrive-local-secret',
};

export const tlsDir = (state) => path.join(state, 'tls');

/** PEM files a Node client needs: the CA, the client certificate and its key. */
export function clientPemFiles(state) {
  const dir = tlsDir(state);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client.key') };
}

function run(cmd, args, cwd) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run "${cmd}" (${res.error.message}); install it or set STACK_${cmd.toUpperCase()}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
}

/** Signs a new key's certificate with the CA; `ext` holds its X.509 v3 extensions. */
function issue(dir, name, subject, ext) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  run(OPENSSL, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  run(OPENSSL, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', DAYS, '-sha256', '-extfile', `${name}.ext`], dir);
}

const REQUIRED = ['ca.pem', 'broker.p12', 'truststore.p12', 'client.pem', 'client.key'];

/** Makes the CA, broker and client certificates on first start; later starts reuse them. */
export function ensureCertificates(state) {
  const dir = tlsDir(state);
  if (REQUIRED.every((file) => fs.existsSync(path.join(dir, file)))) return;
  console.log(`stack: making TLS certificates under ${path.relative(process.cwd(), dir) || dir} (first start only)...`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  run(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', DAYS, '-sha256', '-subj', '/CN=Redrive local stack CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  issue(dir, 'broker', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  issue(dir, 'client', '/CN=redrive-client', 'extendedKeyUsage=clientAuth\n');
  // The broker reads PKCS12 stores: its key and chain, and the CA it trusts for client certificates.
  run(OPENSSL, ['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-name', 'broker', '-out', 'broker.p12', '-passout', `pass:${STORE_PASSWORD}`], dir);
  run(KEYTOOL, ['-importcert', '-noprompt', '-alias', 'redrive-ca', '-file', 'ca.pem', '-keystore', 'truststore.p12', '-storetype', 'PKCS12', '-storepass', STORE_PASSWORD], dir);
  for (const file of fs.readdirSync(dir)) if (/\.(csr|ext|srl)$/.test(file)) fs.rmSync(path.join(dir, file));
  for (const file of ['ca.key', 'broker.key', 'client.key']) fs.chmodSync(path.join(dir, file), 0o600);
}

/** server.properties lines for the SSL (client certificate required) and SASL_SSL (SCRAM) listeners. */
export function kafkaTlsProperties(state) {
  const dir = tlsDir(state);
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return `ssl.keystore.type=PKCS12
ssl.keystore.location=${path.join(dir, 'broker.p12')}
ssl.keystore.password=${STORE_PASSWORD}
ssl.key.password=${STORE_PASSWORD}
ssl.truststore.type=PKCS12
ssl.truststore.location=${path.join(dir, 'truststore.p12')}
ssl.truststore.password=${STORE_PASSWORD}
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.ssl.client.auth=none
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scram}
`;
}


/** kafka-storage format arguments that create the SCRAM user with the cluster. */
export function scramFormatArgs() {
  return ['--add-scram', `SCRAM-SHA-512=[name=${SCRAM.username},password=${SCRAM.password}]`,
    '--add-scram', `SCRAM-SHA-256=[name=${SCRAM.username},password=${SCRAM.password}]`];
}

/**
 * Storage formatted before the SASL listener existed has no SCRAM user: add it with Kafka's own
 * kafka-configs (ConfigCommand) through the running broker, once (a marker file remembers it).
 */
export function ensureScramUser({ java, lib, log4j, bootstrap, kafkaDir }) {
  const marker = path.join(kafkaDir, 'scram-user');
  try {
    if (fs.readFileSync(marker, 'utf8').trim() === SCRAM.username) return false;
  } catch {}
  console.log(`stack: adding SCRAM user "${SCRAM.username}" to existing Kafka storage...`);
  // One mechanism per request: the broker refuses two credentials for one user in the same request.
  for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256']) {
    const res = spawnSync(java, ['-Xmx128m', `-Dlog4j2.configurationFile=${log4j}`, '-cp', path.join(lib, '*'), 'kafka.admin.ConfigCommand',
      '--bootstrap-server', bootstrap, '--alter', '--add-config', `${mechanism}=[password=${SCRAM.password}]`,
      '--entity-type', 'users', '--entity-name', SCRAM.username], { encoding: 'utf8' });
    if (res.error || res.status !== 0) {
      const why = res.error?.message ?? (`${res.stdout}${res.stderr}`.split('\n').find((line) => line.includes('Exception')) || `exit ${res.status}`);
      throw new Error(`kafka-configs could not add the SCRAM user: ${why}`);
    }
  }
  fs.writeFileSync(marker, SCRAM.username + '\n');
  return true;
}

/** Connects over the SSL (mTLS) and SASL_SSL (SCRAM-SHA-512) listeners with kafkajs, as Redrive would. */
export async function kafkaSecureHealth({ host, sslPort, saslPort, state }) {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const pem = clientPemFiles(state);
  const read = (file) => fs.readFileSync(file, 'utf8');
  const check = async (label, port, options) => {
    const client = new Kafka({ clientId: 'redrive-stack-health', brokers: [`${host}:${port}`], logLevel: logLevel.NOTHING,
      connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 }, ...options });
    const admin = client.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return { label, port, ok: true, detail: label === 'SSL' ? 'mTLS, client certificate required' : `SCRAM-SHA-512 user ${SCRAM.username}` };
    } catch (err) {
      return { label, port, ok: false, detail: err?.message || String(err) };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
  try {
    const ca = read(pem.ca);
    return await Promise.all([
      check('SSL', sslPort, { ssl: { ca, cert: read(pem.cert), key: read(pem.key) } }),
      check('SASL_SSL', saslPort, { ssl: { ca }, sasl: { mechanism: 'scram-sha-512', username: SCRAM.username, password: SCRAM.password } }),
    ]);
  } catch (err) {
    return [{ label: 'SSL', port: sslPort, ok: false, detail: err.message }, { label: 'SASL_SSL', port: saslPort, ok: false, detail: err.message }];
  }
}
