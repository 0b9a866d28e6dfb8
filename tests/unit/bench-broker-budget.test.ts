import { describe, expect, it } from "vitest";
import { brokerBudget } from "~/bench/lag/cluster";

describe("bench:lag broker budget", () => {
  it("fits 50,000 partitions on 4 brokers with 20,000 open files each", () => {
    const budget = brokerBudget(50_000, 4, 20_000, 262_144);
    expect(budget.perBroker).toBe(12_510);
    expect(budget.problem).toBeNull();
  });

  it("refuses 3 brokers at 50,000 partitions and names a count that fits", () => {
    const budget = brokerBudget(50_000, 3, 20_000, 262_144);
    expect(budget.problem).toContain("--brokers 4 or more");
    expect(brokerBudget(50_000, 4, 20_000, 262_144).problem).toBeNull();
  });

  it("asks for vm.max_map_count when the kernel's map limit is too low", () => {
    expect(brokerBudget(50_000, 1, 100_000, 65_530).problem).toContain("sysctl -w vm.max_map_count=262144");
  });
});
