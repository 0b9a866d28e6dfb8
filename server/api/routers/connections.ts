import { z } from "zod";
import { describeAwsIdentity } from "~/server/brokers/shared/aws-credentials";
import { describeKafkaSecurity } from "~/server/brokers/kafka/kafka-security";
import { healthMonitor } from "~/server/jobs/health-monitor";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";

/** Host, port and database name only: a database URL may carry a password. */
function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

export const connectionsRouter = createTRPCRouter({
  list: viewerProcedure.input(z.object({ refresh: z.boolean().default(false) }).default({ refresh: false })).query(
    async ({ ctx, input }) => {
      const monitor = healthMonitor(ctx.connections);
      const health = input.refresh ? await monitor.checkAll() : await monitor.current();
      const { config } = ctx.connections;
      const describe = new Map<string, string>([
        ...config.kafka.map((c) => [
          `kafka/${c.name}`,
          `${c.brokers.join(", ")}`,
        ] as const),
        ...config.sqs.map((c) => [`sqs/${c.name}`, `${c.endpoint ?? "AWS"} · ${c.region}`] as const),
        ...config.databases.map((c) => [
          `database/${c.name}`,
          `${describeDatabaseUrl(c.url)} · ${c.writable ? "writable" : "read-only"}`,
        ] as const),
      ]);
      // How each connection authenticates (protocol, mechanism, where trust and identity come from), never a secret.
      const security = new Map<string, string>([
        ...config.kafka.map((c) => [`kafka/${c.name}`, describeKafkaSecurity(c)] as const),
        ...config.sqs.map((c) => [`sqs/${c.name}`, describeAwsIdentity(c)] as const),
      ]);
      return health.map((h) => ({ ...h, target: describe.get(`${h.kind}/${h.name}`) ?? "", security: security.get(`${h.kind}/${h.name}`) ?? null }));
    },
  ),
});
