import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FilterRecord } from "~/server/dlq/filter";

// A filter whose workers cannot start (an installation missing the worker's files, a broken import) fails at
// once with that reason, instead of leaving the scan "running" until the start timeout and then blaming the
// expression. The pool is process-wide: each case starts from none and removes its own.

const holder = globalThis as unknown as { __redriveFilterPool?: { piscina: { destroy(): Promise<void> } } };
const record = { partition: 0, offset: 0, timestampMs: 0, key: null, value: Buffer.from('{"n":2}'), headers: [], failure: null } as unknown as FilterRecord;
const roots: string[] = [];

async function matchWithRoot(root: string): Promise<unknown> {
  process.env.REDRIVE_ROOT = root;
  const { compileFilter } = await import("~/server/dlq/filter");
  return compileFilter("record.value.n >= 2").match([record]);
}

afterEach(async () => {
  await holder.__redriveFilterPool?.piscina.destroy();
  delete holder.__redriveFilterPool;
  delete process.env.REDRIVE_ROOT;
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("filter workers that cannot start", () => {
  it("fails at once, naming the missing worker file", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "redrive-no-worker-"));
    roots.push(root);
    await expect(matchWithRoot(root)).rejects.toThrow(/the filter workers cannot start, .*filter-worker\.ts is missing from this installation/);
  });

  it("fails within seconds with the worker's load error, not as a slow expression", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "redrive-broken-worker-"));
    roots.push(root);
    mkdirSync(path.join(root, "server", "dlq"), { recursive: true });
    writeFileSync(path.join(root, "server", "dlq", "filter-worker.ts"), 'import "./cel-eval-that-was-not-shipped.ts";\nexport default () => new Uint8Array(0);\n');
    const started = Date.now();
    const error = (await matchWithRoot(root).then(() => null, (e: Error) => e))!;
    expect(error?.message).toMatch(/^The filter failed: the filter workers could not start: .*cel-eval-that-was-not-shipped/);
    expect(error.message).not.toMatch(/Simplify the expression/);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
