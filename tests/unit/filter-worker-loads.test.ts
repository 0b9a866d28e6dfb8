import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// The filter worker threads load server/dlq/filter-worker.ts with Node's own type stripping, not through Vite: every
// file it reaches (failure.ts, the SNS decoding it uses) must be erasable TypeScript with relative .ts imports.
describe("the filter worker", () => {
  it("loads in plain Node", () => {
    const out = execFileSync(process.execPath, ["-e", "import('./server/dlq/filter-worker.ts').then((m) => console.log(typeof m.default))"], { encoding: "utf8" });
    expect(out.trim()).toBe("function");
  });
});
