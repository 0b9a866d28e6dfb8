import { describe, expect, it } from "vitest";
import { allows, can, covers, grantsOf, labelScope, matchesPattern, mustRead, OutOfScope, readFilter } from "~/server/auth/permissions";
import { likePattern } from "~/server/auth/readable-sql";
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

describe("the read scope of lists", () => {
  const scoped = configSchema.parse({ auth: { roles: { orders: [{ actions: ["read"], connections: ["a"], resources: ["orders.*"] }] } } });

  it("carries its grants, so SQL-paged lists apply the same patterns", () => {
    expect(readFilter("viewer", scoped)).toBeNull();
    const readable = readFilter("orders", scoped)!;
    expect(readable.grants).toEqual(grantsOf("orders", scoped));
    expect(readable({ connection: "a", resource: "orders.dlq" })).toBe(true);
    expect(readable({ connection: "a", resource: "payments.dlq" })).toBe(false);
  });

  it("turns a pattern into a LIKE pattern with LIKE's own wildcards matched literally", () => {
    expect(likePattern("orders.*")).toBe("orders.%");
    expect(likePattern("a_b%c\\*")).toBe("a\\_b\\%c\\\\%");
    expect(likePattern("*")).toBe("%");
  });

  it("names a consumer group as the resource of an alert on it", () => {
    expect(labelScope({ connection: "a", group: "orders.billing" })).toEqual({ connection: "a", resource: "orders.billing" });
    expect(labelScope({ kind: "kafka", connection: "a", dlq: "orders.dlq" })).toEqual({ connection: "a", resource: "orders.dlq" });
    expect(labelScope({ database: "orders-db", saga_type: "checkout" })).toEqual({ connection: "orders-db", resource: "orders-db" });
  });

  it("refuses a named object outside the scope as unknown", () => {
    const readable = readFilter("orders", scoped);
    expect(() => mustRead(readable, { connection: "a", resource: "payments.dlq" }, "DLQ")).toThrow(OutOfScope);
    expect(() => mustRead(readable, { connection: "a", resource: "orders.dlq" }, "DLQ")).not.toThrow();
    expect(() => mustRead(null, { connection: "b", resource: "anything" }, "DLQ")).not.toThrow();
  });
});
