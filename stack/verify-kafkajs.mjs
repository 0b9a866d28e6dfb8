#!/usr/bin/env node
// Checks that kafkajs works against the local Kafka 4.x broker (`node scripts/stack.mjs up` first).
// Prints OK/FAIL per call, exits 1 if any call failed.
//
//   node stack/verify-kafkajs.mjs
//
// Env: KAFKA_BROKERS (default 127.0.0.1:${KAFKA_PORT:-9092}), KAFKAJS_LOG (NOTHING|ERROR|WARN|INFO|DEBUG).
// Creates and deletes its own topic and consumer group (names prefixed "redrive-verify-").

import kafkajs from 'kafkajs';

const { Kafka, logLevel, CompressionTypes } = kafkajs;

const brokers = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`).split(',');
const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const topic = `redrive-verify-${suffix}`;
const groupId = `redrive-verify-group-${suffix}`;
const txTopic = `${topic}-tx`;

const kafka = new Kafka({
  clientId: 'redrive-verify-kafkajs',
  brokers,
  logLevel: logLevel[process.env.KAFKAJS_LOG || 'NOTHING'] ?? logLevel.NOTHING,
  connectionTimeout: 3000,
  requestTimeout: 10000,
  retry: { retries: 2 },
});

const results = [];

function describeError(err) {
  if (!err) return 'unknown error';
  const parts = [`${err.name || 'Error'}: ${err.message}`];
  if (err.type) parts.push(`type=${err.type}`);
  if (err.originalError && err.originalError !== err) parts.push(`cause=${describeError(err.originalError)}`);
  if (Array.isArray(err.errors) && err.errors.length) parts.push(`errors=[${err.errors.map(describeError).join('; ')}]`);
  return parts.join(' ');
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const info = await fn();
    const ms = Date.now() - t0;
    results.push({ name, ok: true, info, ms });
    console.log(`OK    ${name.padEnd(46)} ${ms.toString().padStart(5)} ms${info ? `  ${info}` : ''}`);
    return true;
  } catch (err) {
    const ms = Date.now() - t0;
    results.push({ name, ok: false, info: describeError(err), ms });
    console.log(`FAIL  ${name.padEnd(46)} ${ms.toString().padStart(5)} ms  ${describeError(err)}`);
    return false;
  }
}

function timeout(ms, what) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref());
}

const admin = kafka.admin();
const MESSAGES = 6;

console.log(`kafkajs ${(await import('kafkajs/package.json', { with: { type: 'json' } }).catch(() => ({ default: {} }))).default.version ?? '?'} against ${brokers.join(',')}`);

await step('admin.connect', () => admin.connect());

await step('admin.describeCluster', async () => {
  const c = await admin.describeCluster();
  return `clusterId=${c.clusterId} controller=${c.controller} brokers=${c.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')}`;
});

await step('admin.listTopics', async () => `${(await admin.listTopics()).length} topics`);

await step('admin.createTopics', async () => {
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] },
      { topic: txTopic, numPartitions: 1, replicationFactor: 1 },
    ],
  });
  if (!created) throw new Error('createTopics returned false (topic already existed)');
  return `${topic} (3 partitions)`;
});

await step('admin.fetchTopicMetadata', async () => {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  const t = md.topics[0];
  return `${t.name}: ${t.partitions.length} partitions, leaders ${t.partitions.map((p) => p.leader).join(',')}`;
});

const idemProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await step('producer.connect (idempotent)', () => idemProducer.connect());
const beforeSend = Date.now();
await step('producer.send idempotent acks=-1', async () => {
  const res = await idemProducer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: MESSAGES / 2 }, (_, i) => ({
      key: `k${i}`,
      value: JSON.stringify({ i, kind: 'idempotent' }),
      headers: { 'x-redrive': 'verify' },
    })),
  });
  return res.map((r) => `p${r.partition}@${r.baseOffset}`).join(' ');
});
await step('producer.sendBatch idempotent gzip', async () => {
  const res = await idemProducer.sendBatch({
    acks: -1,
    compression: CompressionTypes.GZIP,
    topicMessages: [
      {
        topic,
        messages: Array.from({ length: MESSAGES / 2 }, (_, i) => ({ key: `g${i}`, value: JSON.stringify({ i, kind: 'gzip' }) })),
      },
    ],
  });
  return res.map((r) => `p${r.partition}@${r.baseOffset}`).join(' ');
});
await idemProducer.disconnect().catch(() => {});

await step('transactional producer send+commit', async () => {
  const tx = kafka.producer({ transactionalId: `redrive-verify-tx-${suffix}`, idempotent: true, maxInFlightRequests: 1 });
  await tx.connect();
  try {
    const t = await tx.transaction();
    await t.send({ topic: txTopic, messages: [{ value: 'in-transaction' }] });
    await t.commit();
  } finally {
    await tx.disconnect();
  }
});

await step('admin.fetchTopicOffsets', async () => {
  const offs = await admin.fetchTopicOffsets(topic);
  const total = offs.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  if (total !== MESSAGES) throw new Error(`expected ${MESSAGES} messages, high-low sums to ${total}`);
  return offs.map((o) => `p${o.partition}:${o.low}-${o.high}`).join(' ');
});

await step('admin.fetchTopicOffsetsByTimestamp', async () => {
  const offs = await admin.fetchTopicOffsetsByTimestamp(topic, beforeSend - 1000);
  return offs.map((o) => `p${o.partition}:${o.offset}`).join(' ');
});

// Consumer group (classic protocol: JoinGroup/SyncGroup/Heartbeat/OffsetCommit)
const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
let received = 0;
await step('consumer.connect + subscribe', async () => {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
});
await step('consumer.run (group join, eachMessage)', async () => {
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      received++;
      await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      if (received >= MESSAGES) resolveAll();
    },
  });
  await Promise.race([all, timeout(30000, `received ${received}/${MESSAGES}`)]);
  return `received ${received}/${MESSAGES}`;
});
await step('consumer.commitOffsets (explicit)', async () => {
  // commitOffsets was already used per message; committing the final positions again must succeed too.
  const offs = await admin.fetchTopicOffsets(topic);
  await consumer.commitOffsets(offs.map((o) => ({ topic, partition: o.partition, offset: o.high })));
});

await step('admin.listGroups', async () => {
  const { groups } = await admin.listGroups();
  const g = groups.find((x) => x.groupId === groupId);
  if (!g) throw new Error(`group ${groupId} not listed (${groups.length} groups)`);
  return `${groups.length} groups, ours protocolType=${g.protocolType}`;
});

await step('admin.describeGroups', async () => {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0];
  if (g.errorCode) throw new Error(`errorCode ${g.errorCode}`);
  return `state=${g.state} protocol=${g.protocol} members=${g.members.length}`;
});

await step('admin.fetchOffsets (group)', async () => {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  const parts = res[0].partitions;
  return parts.map((p) => `p${p.partition}:${p.offset}`).join(' ');
});

await consumer.disconnect().catch(() => {});
await new Promise((r) => setTimeout(r, 500));

await step('admin.resetOffsets (earliest)', async () => {
  await admin.resetOffsets({ groupId, topic, earliest: true });
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  return res[0].partitions.map((p) => `p${p.partition}:${p.offset}`).join(' ');
});

await step('admin.setOffsets', async () => {
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  const p0 = res[0].partitions.find((p) => p.partition === 0);
  if (p0.offset !== '1') throw new Error(`partition 0 offset is ${p0.offset}, expected 1`);
  return `p0:${p0.offset}`;
});

await step('admin.describeConfigs (topic + broker)', async () => {
  const { ConfigResourceTypes } = kafkajs;
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] },
      { type: ConfigResourceTypes.BROKER, name: '1', configNames: ['num.partitions'] },
    ],
  });
  return res.resources.map((r) => `${r.resourceName}{${r.configEntries.map((c) => `${c.configName}=${c.configValue}`).join(',')}}`).join(' ');
});

await step('admin.alterConfigs (topic)', async () => {
  const { ConfigResourceTypes } = kafkajs;
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
});

await step('admin.createPartitions', () => admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }));

await step('admin.deleteTopicRecords', () => admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] }));

await step('admin.deleteGroups', async () => {
  const res = await admin.deleteGroups([groupId]);
  const bad = res.filter((r) => r.errorCode);
  if (bad.length) throw new Error(JSON.stringify(bad));
});

await step('admin.deleteTopics', () => admin.deleteTopics({ topics: [topic, txTopic], timeout: 10000 }));

await admin.disconnect().catch(() => {});

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
