import { withTimeout } from "~/server/brokers/types";
import { errorMessage } from "~/server/jobs/health-monitor";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";

const OVERVIEW_TIMEOUT_MS = 8_000;

type Outcome<T> = { ok: true; data: T } | { ok: false; error: string };

/** One connection's failure is reported next to the others, never instead of them. */
async function settle<T>(what: string, work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, data: await withTimeout(what, OVERVIEW_TIMEOUT_MS, work()) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

export const overviewRouter = createTRPCRouter({
  get: viewerProcedure.query(async ({ ctx }) => {
    const all = ctx.connections;
    const [kafka, sqs] = await Promise.all([
      Promise.all(
        [...all.kafka.values()].map(async (adapter) => ({
          connection: adapter.name,
          result: await settle(`Kafka connection "${adapter.name}"`, () => adapter.overview()),
        })),
      ),
      Promise.all(
        [...all.sqs.values()].map(async (adapter) => ({
          connection: adapter.name,
          result: await settle(`SQS connection "${adapter.name}"`, () => adapter.overview()),
        })),
      ),
    ]);
    return { fetchedAt: new Date(), kafka, sqs };
  }),
});
