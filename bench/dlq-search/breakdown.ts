/**
 * Where a scan's time goes (npm run bench:search -- --profile): the same topic read by stages of Redrive's
 * scan pipeline, each stage adding one layer, plus per-record costs on records held in memory.
 */
import { parse } from "@marcbachmann/cel-js";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { asText, parseJson } from "~/server/dlq/bytes";
import { checkExpression, compileExpression } from "~/server/dlq/cel-eval";
import { celContext } from "~/server/dlq/cel-record";

/** The in-thread evaluator a filter worker runs (the stages here measure per-record cost, not the pool). */
const compileFilter = (expression: string) => compileExpression(checkExpression(expression).expression);
import { scanKafkaTopic } from "~/server/dlq/kafka-dlq";
import { maskBytes, type PayloadAccess } from "~/server/dlq/masking";
import { fromKafkaRecord, type RawDlqMessage } from "~/server/dlq/messages";
import { PREDICATE_CEL, TOPIC } from "./fixture";
import { log, rate } from "./util";

export interface Stage {
  name: string;
  ms: number;
  records: number;
}

/** The fetch loop of scanKafkaTopic (same fetch size, same prefetch) without building messages. */
async function fetchOnly(adapter: KafkaAdapter): Promise<number> {
  const offsets = await adapter.topicOffsets(TOPIC);
  const end = new Map(offsets.map((p) => [p.partition, p.logEndOffset]));
  const position = new Map(offsets.map((p) => [p.partition, p.logStartOffset]));
  const fetchNext = () => {
    const open = [...position].filter(([partition, offset]) => offset < (end.get(partition) ?? 0)).map(([partition, offset]) => ({ partition, offset }));
    return open.length ? adapter.readPartitions(TOPIC, open, 4 * 1024 * 1024) : null;
  };
  let records = 0;
  let pending = fetchNext();
  while (pending) {
    const batch = await pending;
    let progressed = false;
    for (const [partition, fetched] of batch) {
      const limit = end.get(partition) ?? 0;
      if (fetched.records.length === 0) continue;
      progressed = true;
      position.set(partition, Math.min(limit, Number(fetched.records.at(-1)!.offset) + 1));
      for (const record of fetched.records) if (Number(record.offset) < limit) records += 1;
    }
    if (!progressed) break;
    pending = fetchNext();
  }
  return records;
}

async function stage(name: string, work: () => Promise<number>): Promise<Stage> {
  const start = performance.now();
  const records = await work();
  const ms = performance.now() - start;
  log(`  ${name}: ${(ms / 1000).toFixed(2)} s, ${records} records, ${rate(records, ms).toLocaleString("en")} msg/s`);
  return { name, ms, records };
}

function perRecord(name: string, sample: RawDlqMessage[], work: (message: RawDlqMessage) => unknown): Stage {
  // One warm-up pass, then three timed passes.
  for (const message of sample) work(message);
  const start = performance.now();
  for (let pass = 0; pass < 3; pass++) for (const message of sample) work(message);
  const ms = (performance.now() - start) / 3;
  log(`  ${name}: ${((ms * 1000) / sample.length).toFixed(2)} us/record (${rate(sample.length, ms).toLocaleString("en")} records/s)`);
  return { name, ms, records: sample.length };
}

export async function breakdown(adapter: KafkaAdapter, access: PayloadAccess): Promise<{ stages: Stage[]; perRecord: Stage[] }> {
  log("profile: the whole topic through cumulative stages of the scan");
  const filter = compileFilter(PREDICATE_CEL);
  const stages = [
    await stage("A fetch + decode (adapter.readPartitions loop)", () => fetchOnly(adapter)),
    await stage("B A + fromKafkaRecord (scanKafkaTopic, no-op visit)", async () => {
      let n = 0;
      await scanKafkaTopic(adapter, TOPIC, () => (n += 1), () => false);
      return n;
    }),
    await stage("C B + compileFilter(...) on every record", async () => {
      let n = 0;
      let matched = 0;
      await scanKafkaTopic(
        adapter,
        TOPIC,
        (m) => {
          n += 1;
          if (filter(m)) matched += 1;
        },
        () => false,
      );
      log(`    (${matched} matches)`);
      return n;
    }),
  ];

  log("profile: per-record costs on 10,000 records held in memory");
  const sample: RawDlqMessage[] = [];
  await scanKafkaTopic(
    adapter,
    TOPIC,
    (m) => void sample.push(m),
    () => sample.length >= 10_000,
  );
  const evaluate = parse(PREDICATE_CEL) as unknown as (context: unknown) => unknown;
  const contexts = sample.map((m) => {
    const context = celContext(m);
    void context.record.value; // parse once, so the evaluate-only line below measures CEL alone
    return context;
  });
  let i = 0;
  const costs = [
    perRecord("asText (TextDecoder + control-char regex)", sample, (m) => asText(m.value!)),
    perRecord("JSON.parse of the value", sample, (m) => JSON.parse(Buffer.from(m.value!.buffer, m.value!.byteOffset, m.value!.byteLength).toString("utf8"))),
    perRecord("asText + parseJson", sample, (m) => parseJson(asText(m.value!)!)),
    perRecord("celContext + record.value (text, JSON.parse, withIntegers)", sample, (m) => celContext(m).record.value),
    perRecord("cel-js evaluate on a prepared context", sample, () => evaluate(contexts[i++ % contexts.length])),
    perRecord("compileFilter(...)(record) (all of the above)", sample, (m) => filter(m)),
    perRecord("maskBytes (scans.ts visible(), no masks configured)", sample, (m) => maskBytes(m.value, access, "value")),
  ];
  // fromKafkaRecord alone, on records re-read into memory.
  const raw = await adapter.readPartitions(
    TOPIC,
    Array.from({ length: 6 }, (_, partition) => ({ partition, offset: 0 })),
    4 * 1024 * 1024,
  );
  const fetched = [...raw].flatMap(([partition, { records }]) => records.map((record) => ({ partition, record })));
  const asMessages = fetched.map(({ partition, record }) => fromKafkaRecord(partition, record));
  let j = 0;
  costs.push(perRecord("fromKafkaRecord (headers Map + kafkaFailure)", asMessages, () => {
    const { partition, record } = fetched[j++ % fetched.length]!;
    return fromKafkaRecord(partition, record);
  }));
  return { stages, perRecord: costs };
}
