// The demo order-fulfilment system in one process:  tsx demo/main.ts
// (run `tsx demo/db/migrate.ts` first; `npm run demo` does both and starts Redrive too).

import { startAdminServer } from "./admin-server";
import { startDemo } from "./app";
import { configFromEnv } from "./config";
import { FaultStore, loadDefaultFaults } from "./faults";

async function main(): Promise<void> {
  const config = configFromEnv();
  const faults = new FaultStore(loadDefaultFaults());
  const app = await startDemo(config, faults, { rabbitmq: process.env.DEMO_RABBITMQ !== "off", sns: process.env.DEMO_SNS !== "off", nats: process.env.DEMO_NATS !== "off" });
  const admin = await startAdminServer(faults, { port: config.admin.port, token: config.admin.token, stats: app.stats });
  console.log(
    `demo running: ${faults.get().ordersPerSecond} orders/s; fault knobs at http://127.0.0.1:${config.admin.port}/faults` +
      (config.admin.token ? " (bearer token required)" : ""),
  );
  const report = setInterval(() => {
    const s = app.stats() as { ordersPlaced: number; relay: { published: number } };
    console.log(`orders placed ${s.ordersPlaced}, outbox published ${s.relay.published}`);
  }, 15_000);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping consumers, flushing producers, closing pools...`);
    clearInterval(report);
    const force = setTimeout(() => {
      console.error("shutdown took over 20 s, exiting");
      process.exit(1);
    }, 20_000);
    force.unref();
    admin.close();
    app.stop().then(
      () => {
        console.log("demo stopped");
        process.exit(0);
      },
      (err: Error) => {
        console.error("shutdown error:", err.message);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: Error) => {
  console.error(`demo: ${err.message}`);
  process.exit(1);
});
