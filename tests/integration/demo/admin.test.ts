import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startAdminServer } from "../../../demo/admin-server";
import { FaultStore, loadDefaultFaults } from "../../../demo/faults";

describe("fault knobs admin endpoint", () => {
  it("GET/PATCH /faults with a bearer token, validated", async () => {
    const faults = new FaultStore(loadDefaultFaults());
    const server = await startAdminServer(faults, { port: 0, token: "s3cret" });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const auth = { authorization: "Bearer s3cret", "content-type": "application/json" };
    try {
      expect((await fetch(`${base}/faults`)).status).toBe(401);
      const got = await fetch(`${base}/faults`, { headers: auth });
      expect(await got.json()).toMatchObject({ ordersPerSecond: 2, relayPausedFor: ["invoice"] });

      const patched = await fetch(`${base}/faults`, {
        method: "PATCH",
        headers: auth,
        body: JSON.stringify({ ordersPerSecond: 5, stepFailureRate: { "payment.authorize": 0.5 }, stoppedConsumers: ["shipping-service"] }),
      });
      expect(patched.status).toBe(200);
      expect(faults.get().ordersPerSecond).toBe(5);
      expect(faults.get().stepFailureRate).toMatchObject({ "payment.authorize": 0.5, "inventory.reserve": 0.15 });
      expect(faults.get().stoppedConsumers).toEqual(["shipping-service"]);

      const bad = await fetch(`${base}/faults`, { method: "PATCH", headers: auth, body: JSON.stringify({ sqsFailureRate: 2 }) });
      expect(bad.status).toBe(400);
      expect(faults.get().sqsFailureRate).toBe(0.1);
    } finally {
      server.close();
    }
  });
});
