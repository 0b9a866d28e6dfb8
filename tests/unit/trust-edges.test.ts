import { describe, expect, it } from "vitest";
import { gate, resolveGates, WITHHELD } from "~/server/api/payload-gate";
import { capParameters, redactSecrets } from "~/server/audit";
import { canonicalJson, chainHash, GENESIS_HASH } from "~/server/audit/chain";
import { clientAddress, installPeerStamp, PEER_HEADER } from "~/server/auth/client-address";
import { safeFilename } from "~/server/dlq/download";
import { payloadAccess } from "~/server/dlq/masking";
import { parseCidr } from "~/server/lib/net";

describe("trusted proxies", () => {
  installPeerStamp();
  const headers = (peer: string, forwarded?: string) => new Headers({ [PEER_HEADER]: peer, ...(forwarded ? { "x-forwarded-for": forwarded } : {}) });

  it("parses addresses and CIDRs, and refuses the rest", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseCidr("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "example.com", "10.0.0.0/8/1", ""]) expect(parseCidr(bad)).toBeNull();
  });

  it("believes X-Forwarded-For only from a trusted peer", () => {
    expect(clientAddress(headers("198.51.100.7", "203.0.113.9"), [])).toBe("198.51.100.7");
    expect(clientAddress(headers("10.0.0.2", "203.0.113.9"), ["10.0.0.0/8"])).toBe("203.0.113.9");
    // A client cannot hide behind a forged first entry: the rightmost untrusted hop is the client.
    expect(clientAddress(headers("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.7"), ["10.0.0.0/8"])).toBe("203.0.113.9");
    expect(clientAddress(headers("::ffff:10.0.0.2", "2001:db8::1"), ["10.0.0.0/8"])).toBe("2001:db8::1");
  });
});

describe("audit parameters", () => {
  it("redacts secret keys and secret-looking header values, not ordinary names", () => {
    const redacted = redactSecrets({
      password: "p",
      name: "deploy-key",
      role: "operator",
      headers: { set: [{ name: "Authorization", value: "Bearer x" }, { name: "X-Api-Key", value: "k" }, { name: "trace-id", value: "t" }] },
      diff: { changed: [{ name: "Cookie", before: "a", after: "b" }] },
    });
    expect(redacted).toEqual({
      password: "[redacted]",
      name: "deploy-key",
      role: "operator",
      headers: { set: [{ name: "Authorization", value: "[redacted]" }, { name: "X-Api-Key", value: "[redacted]" }, { name: "trace-id", value: "t" }] },
      diff: { changed: [{ name: "Cookie", before: "[redacted]", after: "[redacted]" }] },
    });
  });

  it("caps large parameters at 8 KiB and marks them", () => {
    expect(capParameters({ a: 1 })).toEqual({ a: 1 });
    const capped = capParameters({ big: "x".repeat(20_000) }) as { truncated: boolean; characters: number; preview: string };
    expect(capped.truncated).toBe(true);
    expect(capped.characters).toBeGreaterThan(20_000);
    expect(capped.preview).toHaveLength(8 * 1024);
  });

  it("hashes a canonical form: key order does not matter, content does", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
    const row = { at: new Date(0), actorKind: "user" as const, actorId: "u", actorName: "n", procedure: "p", parameters: { x: 1, y: 2 }, outcome: "ok" as const, error: null, remoteAddress: null };
    expect(chainHash(GENESIS_HASH, row)).toBe(chainHash(GENESIS_HASH, { ...row, parameters: { y: 2, x: 1 } }));
    expect(chainHash(GENESIS_HASH, row)).not.toBe(chainHash(GENESIS_HASH, { ...row, actorName: "m" }));
    expect(chainHash(GENESIS_HASH, row)).not.toBe(chainHash("1".repeat(64), row));
  });
});

describe("the payload gate", () => {
  const settings = { readRoles: ["operator" as const, "admin" as const], masking: [{ path: "card", exemptRoles: ["admin" as const] }] };
  const output = () => ({
    body: gate.text('{"card":"4111","n":1}'),
    cut: gate.text('{"card":"41'),
    context: gate.json({ card: "4111", deep: { ok: true } }),
    trace: gate.header("trace-id", "t-1"),
    failure: gate.header("kafka_dlt-exception-message", "boom"),
    audit: gate.audit({ reason: "r", diff: { value: { before: "a", after: "b" } } }),
    raw: Buffer.from("raw bytes"),
    plain: "kept",
  });

  it("withholds everything but failure headers from a role without the permission", () => {
    expect(resolveGates(output(), payloadAccess("viewer", settings))).toEqual({
      body: null,
      cut: null,
      context: null,
      trace: null,
      failure: "boom",
      audit: { reason: "r", diff: { value: WITHHELD } },
      raw: null,
      plain: "kept",
    });
  });

  it("masks for a masked role and cannot mask a cut preview, so withholds it", () => {
    const resolved = resolveGates(output(), payloadAccess("operator", settings)) as Record<string, unknown>;
    expect(resolved.body).toBe('{"card":"****","n":1}');
    expect(resolved.cut).toBeNull();
    expect(resolved.context).toEqual({ card: "****", deep: { ok: true } });
    expect(resolved.trace).toBe("t-1");
  });

  it("shows an exempt role everything as stored", () => {
    const resolved = resolveGates(output(), payloadAccess("admin", settings)) as Record<string, unknown>;
    expect(resolved.body).toBe('{"card":"4111","n":1}');
    expect(resolved.context).toEqual({ card: "4111", deep: { ok: true } });
  });

  it("walks deeply nested outputs without recursion", () => {
    let deep: unknown = gate.text("secret");
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    let node = resolveGates(deep, payloadAccess("viewer", settings)) as { next: unknown } | null;
    while (node && typeof node === "object") node = node.next as { next: unknown } | null;
    expect(node).toBeNull();
  });
});

describe("download filenames", () => {
  it("keep only safe characters", () => {
    expect(safeFilename('orders"; evil.DLQ-0:1.value.bin')).toBe("orders_evil.DLQ-0_1.value.bin");
    expect(safeFilename("..\u202Egnp.exe")).toBe("gnp.exe");
    expect(safeFilename("/etc/passwd")).toBe("etc_passwd");
    expect(safeFilename("")).toBe("message");
  });
});
