/**
 * The RabbitMQ section of bench:replay: Redrive's batch replay (consumer window, and the basic.get variant) of
 * the gold half of 10,000 dead letters back to their origin, against the naive one-at-a-time loop (subset,
 * extrapolated) and a dynamic shovel moving a DLQ of the same size back, unfiltered.
 */
import type { ChannelModel } from "amqplib";
import type { BatchReplayResult } from "~/server/brokers/rabbitmq/batch-replay";
import { secs } from "../common/stats";
import {
  benchRabbitConnection,
  deleteRabbitPair,
  naiveRabbitReplay,
  publishCeiling,
  queueDepth,
  RABBIT_BODY_BYTES,
  RABBIT_RECORDS,
  redriveRabbitReplay,
  seedRabbitPair,
  shovelRabbitDlq,
  type NaiveRabbitRun,
  type PublishCeilingRun,
  type RabbitPair,
  type ShovelRun,
} from "./rabbitmq";
import { fmtCount, fmtRate, log, rate, timed, waitUntil } from "./util";

const AIM_VS_NAIVE = 10;

export interface RabbitSectionOptions {
  url: string;
  managementUrl: string;
  /** The run's --scale applied to a count (at least `step`). */
  scaled: (n: number, step?: number) => number;
  onCleanup: (name: string, run: () => Promise<void> | void) => void;
  /** Waits while another benchmark loads the machine. */
  quiet: () => Promise<void>;
}

interface RedriveRun {
  ms: number;
  result: BatchReplayResult;
  source: number;
  dlq: number;
  /** After the run returned: until the DLQ showed every unreplayed message as ready again (null: not within 60 s). */
  settledMs: number | null;
}

export interface RabbitResult {
  count: number;
  seedMs: number;
  consume: RedriveRun;
  get: RedriveRun;
  naive: NaiveRabbitRun;
  naiveDlqSize: number;
  shovel: ShovelRun;
  ceiling: PublishCeilingRun;
}

async function redrive(connection: ChannelModel, pair: RabbitPair, read: "consume" | "get"): Promise<RedriveRun> {
  const { ms, result } = await redriveRabbitReplay(connection, pair, read);
  log(`  ${read}: ${fmtCount(result.progress.replayed)} replayed (${fmtCount(result.progress.read)} read) in ${secs(ms)} -> ${fmtRate(rate(result.progress.replayed, ms))} (stop: ${result.stop})`);
  // The channel closes requeue the unreplayed messages; the queue does that just after the close.
  const left = result.progress.read - result.progress.replayed;
  const settled = await timed(() => waitUntil("the unreplayed messages back in the DLQ", 60_000, 20, async () => ((await queueDepth(connection, pair.dlq)) >= left ? true : null)).catch(() => null));
  return { ms, result, source: await queueDepth(connection, pair.source), dlq: await queueDepth(connection, pair.dlq), settledMs: settled.value ? settled.ms : null };
}

export async function rabbitBench(id: string, options: RabbitSectionOptions): Promise<RabbitResult> {
  const count = options.scaled(RABBIT_RECORDS);
  const naiveDlqSize = options.scaled(2_000);
  const connection = await benchRabbitConnection(options.url);
  connection.on("error", () => undefined);
  const pairs: RabbitPair[] = [];
  options.onCleanup("close the RabbitMQ connection", () => connection.close().catch(() => undefined));
  options.onCleanup("delete RabbitMQ queues", async () => {
    for (const pair of pairs) await deleteRabbitPair(connection, pair);
  });
  const prefix = `bench-replay-${id}`;
  log(`RabbitMQ: filling 3 DLQs with ${fmtCount(count)} dead letters of ~${RABBIT_BODY_BYTES} B and one with ${fmtCount(naiveDlqSize)} (published, rejected by a consumer, dead-lettered by the broker)`);
  const seeded = await timed(async () => {
    for (const name of ["consume", "get", "shovel"]) pairs.push(await seedRabbitPair(connection, `${prefix}-${name}`, count));
    pairs.push(await seedRabbitPair(connection, `${prefix}-naive`, naiveDlqSize));
  });
  log(`filled in ${secs(seeded.ms)}`);
  const [consumePair, getPair, shovelPair, naivePair] = pairs as [RabbitPair, RabbitPair, RabbitPair, RabbitPair];

  await options.quiet();
  log(`Redrive batch replay of the gold half back to the origin exchange (prefetch 500, confirm window 256)`);
  const consume = await redrive(connection, consumePair, "consume");
  await options.quiet();
  const get = await redrive(connection, getPair, "get");

  await options.quiet();
  log(`naive loop (basic.get one, publish, wait for its confirm, ack): ${fmtCount(naiveDlqSize / 2)} matches of ${fmtCount(naiveDlqSize)}`);
  // On a connection of its own, as before Redrive's coalesced writes: the baseline's frames go out as amqplib writes them.
  const naiveConnection = await benchRabbitConnection(options.url);
  naiveConnection.on("error", () => undefined);
  const naive = await naiveRabbitReplay(naiveConnection, naivePair, naiveDlqSize / 2).finally(() => naiveConnection.close().catch(() => undefined));
  log(`  ${fmtCount(naive.replayed)} replayed (${fmtCount(naive.read)} read) in ${secs(naive.ms)} -> ${fmtRate(rate(naive.replayed, naive.ms))}`);

  await options.quiet();
  log(`dynamic shovel (ack-mode on-confirm, src-delete-after queue-length): all ${fmtCount(count)} of ${shovelPair.dlq} back to ${shovelPair.source}`);
  const shovel = await shovelRabbitDlq(connection, options.managementUrl, shovelPair, count);
  log(`  ${fmtCount(shovel.moved)} moved in ${secs(shovel.ms)} -> ${fmtRate(rate(shovel.moved, shovel.ms))}`);

  await options.quiet();
  log(`ceiling: publishing ${fmtCount(count / 2)} copies with confirms (window 256), nothing read or acked`);
  const ceiling = await publishCeiling(connection, prefix, count / 2);
  log(`  ${fmtCount(ceiling.published)} published in ${secs(ceiling.ms)} -> ${fmtRate(rate(ceiling.published, ceiling.ms))}`);
  return { count, seedMs: seeded.ms, consume, get, naive, naiveDlqSize, shovel, ceiling };
}

export function rabbitReport(r: RabbitResult): string[] {
  const expected = r.count / 2;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const line = (name: string, run: RedriveRun) => {
    const p = run.result.progress;
    const verified = p.read === r.count && p.matched === expected && p.replayed === expected && p.failed === 0 && run.source === expected && run.dlq === r.count - expected;
    return `  Redrive ${name.padEnd(8)}     ${fmtRate(rate(p.replayed, run.ms))} replayed (${fmtRate(rate(p.read, run.ms))} read; ${fmtCount(p.replayed)} in ${secs(run.ms)}); origin holds ${fmtCount(run.source)}, DLQ ${fmtCount(run.dlq)} (all back ${run.settledMs === null ? "NOT within 60 s" : `${secs(run.settledMs)}`} after the run returned) -> ${verified ? "verified" : "NOT VERIFIED"}`;
  };
  const redriveRate = rate(r.consume.result.progress.replayed, r.consume.ms);
  const naiveRate = rate(r.naive.replayed, r.naive.ms);
  const shovelRate = rate(r.shovel.moved, r.shovel.ms);
  return [
    "",
    `RabbitMQ: ${fmtCount(r.count)} dead letters of ~${RABBIT_BODY_BYTES} B per DLQ (4 DLQs filled in ${secs(r.seedMs)}), filter customer.tier == 'gold' matching ${fmtCount(expected)}; TCP_NODELAY on every connection`,
    line("consume", r.consume),
    line("get", r.get),
    `  naive loop:          ${fmtRate(naiveRate)} (extrapolated: ${fmtCount(r.naive.replayed)} replayed, ${fmtCount(r.naive.read)} read, in ${secs(r.naive.ms)}; all ${fmtCount(expected)} would take ~${secs((expected / naiveRate) * 1000)})`,
    `  dynamic shovel:      ${fmtRate(shovelRate)} (all ${fmtCount(r.count)} moved back unfiltered in ${secs(r.shovel.ms)}, ${fmtCount(r.shovel.moved)} on the origin; state after: ${r.shovel.state})`,
    `  publish ceiling:     ${fmtRate(rate(r.ceiling.published, r.ceiling.ms))} (${fmtCount(r.ceiling.published)} copies published with confirms, window 256, nothing read or acked, in ${secs(r.ceiling.ms)}; 10x naive would be ${fmtRate(naiveRate * AIM_VS_NAIVE)} replayed = ${fmtRate(naiveRate * AIM_VS_NAIVE * 2)} read)`,
    `  Redrive / ceiling:   ${(redriveRate / rate(r.ceiling.published, r.ceiling.ms)).toFixed(2)}x`,
    `  Redrive / shovel:    ${(redriveRate / shovelRate).toFixed(2)}x replayed vs moved; ${(rate(r.consume.result.progress.read, r.consume.ms) / shovelRate).toFixed(2)}x read (filtered) vs moved`,
    `  consume / get:       ${(redriveRate / rate(r.get.result.progress.replayed, r.get.ms)).toFixed(2)}x`,
    `  Redrive / naive:     ${(redriveRate / naiveRate).toFixed(1)}x [${verdict(redriveRate / naiveRate >= AIM_VS_NAIVE)} >= ${AIM_VS_NAIVE}]`,
  ];
}
