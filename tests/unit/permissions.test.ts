import { describe, expect, it } from "vitest";
import { allows, can, covers, grantsOf, matchesPattern } from "~/server/auth/permissions";
import { configSchema } from "~/server/config/schema";

const config = configSchema.parse({
  auth: {
    roles: {
      "payments-operator": [{ actions: ["payloads.read", "replay", "discard"], connections: ["prod-*"], resources: ["payments.*"] }],
      silencer: [{ actions: ["alerts.silence"] }],
    },
  },
});

describe("patterns", () => {
  it("match whole names with * as any run, other characters literally", () => {
    expect(matchesPattern("payments.*", "payments.dlq")).toBe(true);
    expect(matchesPattern("payments.*", "paymentsXdlq")).toBe(false);
    expect(matchesPattern("prod-*", "staging-prod-eu")).toBe(false);
    expect(matchesPattern("*", "")).toBe(true);
  });
});

describe("the presets", () => {
  it("keep viewer < operator < admin with payloads.readRoles and readAnyTopicRoles deciding reads", () => {
    expect(can("viewer", config, "read")).toBe(true);
    expect(can("viewer", config, "payloads.read")).toBe(true);
    expect(can("viewer", config, "topics.readAny")).toBe(false);
    expect(can("viewer", config, "replay")).toBe(false);
    expect(can("operator", config, "replay.bulk", { connection: "any", resource: "thing" })).toBe(true);
    expect(can("operator", config, "admin")).toBe(false);
    expect(can("admin", config, "topics.readAny")).toBe(true);
    const strict = configSchema.parse({ payloads: { readRoles: ["admin"] } });
    expect(can("operator", strict, "payloads.read")).toBe(false);
  });
});

describe("configured roles", () => {
  it("allow their actions only on matching connections and resources, and always read", () => {
    expect(can("payments-operator", config, "replay", { connection: "prod-eu", resource: "payments.dlq" })).toBe(true);
    expect(can("payments-operator", config, "replay", { connection: "staging", resource: "payments.dlq" })).toBe(false);
    expect(can("payments-operator", config, "replay", { connection: "prod-eu", resource: "orders.dlq" })).toBe(false);
    expect(can("payments-operator", config, "replay.edit", { connection: "prod-eu", resource: "payments.dlq" })).toBe(false);
    expect(can("payments-operator", config, "replay")).toBe(true); // somewhere
    expect(can("payments-operator", config, "read")).toBe(true);
    expect(can("silencer", config, "alerts.silence")).toBe(true);
    expect(can("silencer", config, "replay")).toBe(false);
    expect(grantsOf("removed-role", config)).toEqual([]);
    expect(allows([], "read")).toBe(false);
  });

  it("are handed out (to tokens) only by holders whose grants contain them", () => {
    expect(covers("admin", "payments-operator", config)).toBe(true);
    expect(covers("operator", "payments-operator", config)).toBe(true);
    expect(covers("viewer", "payments-operator", config)).toBe(false);
    expect(covers("payments-operator", "operator", config)).toBe(false);
    expect(covers("silencer", "silencer", config)).toBe(true);
  });

  it("may not take a preset's name", () => {
    expect(() => configSchema.parse({ auth: { roles: { admin: [{ actions: ["read"] }] } } })).toThrow();
  });
});
