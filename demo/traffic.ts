import type { DemoDb } from "./db/client";
import type { FaultStore } from "./faults";
import { placeOrder, randomOrder } from "./orders";

// Order generator: places ordersPerSecond orders (re-read every tick, so the knob applies live).

export class TrafficGenerator {
  placed = 0;
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private inFlight = 0;

  constructor(private readonly db: DemoDb, private readonly faults: FaultStore, private readonly tickMs = 100) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    this.credit += (this.faults.get().ordersPerSecond * this.tickMs) / 1000;
    while (this.credit >= 1 && this.inFlight < 20) {
      this.credit -= 1;
      this.inFlight++;
      placeOrder(this.db, randomOrder())
        .then(() => this.placed++)
        .catch((err: Error) => console.error("[traffic]", err.message))
        .finally(() => this.inFlight--);
    }
    if (this.credit > 5) this.credit = 5;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
