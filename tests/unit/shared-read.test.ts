import { describe, expect, it } from "vitest";
import { forgetSharedReads, sharedRead } from "~/server/lib/shared-read";

describe("sharedRead", () => {
  it("shares one read among concurrent and recent callers, per owner, until it is older than the ttl", async () => {
    let clock = 1_000;
    const now = () => clock;
    let reads = 0;
    const read = async () => ++reads;
    const owner = {};
    const [a, b] = await Promise.all([sharedRead(owner, "k", 4_000, read, now), sharedRead(owner, "k", 4_000, read, now)]);
    expect([a, b, reads]).toEqual([1, 1, 1]);
    clock += 3_999;
    expect(await sharedRead(owner, "k", 4_000, read, now)).toBe(1);
    expect(await sharedRead({}, "k", 4_000, read, now)).toBe(2); // another owner reads for itself
    clock += 1;
    expect(await sharedRead(owner, "k", 4_000, read, now)).toBe(3);
    expect(await sharedRead(owner, "other", 4_000, read, now)).toBe(4); // another name reads for itself
    forgetSharedReads(owner);
    expect(await sharedRead(owner, "k", 4_000, read, now)).toBe(5); // forgotten after a change
  });

  it("does not keep a failure: the next caller reads again", async () => {
    const owner = {};
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new Error("broker down"));
    };
    await expect(sharedRead(owner, "k", 60_000, failing)).rejects.toThrow("broker down");
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(sharedRead(owner, "k", 60_000, failing)).rejects.toThrow("broker down");
    expect(calls).toBe(2);
  });
});
