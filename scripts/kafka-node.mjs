// Starting an Apache Kafka (KRaft) node from the stack's jars: shared by scripts/stack.mjs (the local single
// node) and bench/lag/cluster.ts (a throwaway multi-broker cluster). Plain ESM: runs before any build.

import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';

// Kafka's Uuid: 16 random bytes, URL-safe base64 without padding; Kafka never hands out ids
// starting with '-' (they would look like a command line flag).
export function kafkaClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** JVM arguments that run kafka.Kafka with a server.properties; heap as `-Xms`/`-Xmx` values ("256m"). */
export function kafkaServerArgs({ classpath, log4j, props, heapMin = '256m', heapMax = '512m' }) {
  return [
    `-Xms${heapMin}`,
    `-Xmx${heapMax}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    classpath,
    'kafka.Kafka',
    props,
  ];
}

/** Formats a node's storage (kafka-storage format) for a cluster id; throws with Kafka's output on failure. */
export function formatKafkaStorage({ java, classpath, log4j, props, clusterId, cwd, extraArgs = [] }) {
  const res = spawnSync(
    java,
    ['-Xmx256m', `-Dlog4j2.configurationFile=${log4j}`,
      '-cp', classpath, 'kafka.tools.StorageTool',
      'format', '-t', clusterId, '-c', props, ...extraArgs],
    { cwd, encoding: 'utf8' },
  );
  if (res.error) throw new Error(`cannot run "${java}" (${res.error.message}); install Java 17+ or set STACK_JAVA`);
  if (res.status !== 0) {
    throw new Error(`Kafka storage format failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
  }
}
