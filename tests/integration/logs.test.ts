import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "./helpers/environment";

const MARKER = "log-secret-marker-7c1e";
/** The test server trusts local connections, so a planted password connects and must still never be logged. */
const withPassword = (url: string) => {
  const parsed = new URL(url);
  parsed.password = MARKER;
  return parsed.toString();
};
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe("server logs", () => {
  it("are JSON lines with levels and request ids, and never hold a credential from the config", () => {
    const run = spawnSync("node_modules/.bin/tsx", ["tests/integration/fixtures/log-run.ts"], {
      env: { ...process.env, LOG_LEVEL: "debug", LOG_SECRET_MARKER: MARKER, LOG_DATABASE_URL: withPassword(database.url) },
      encoding: "utf8",
      timeout: 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    const lines = run.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(2);
    // The failing request: one error line with its request id, method, path and status only.
    const request = lines.find((line) => line.msg === "request failed");
    expect(request).toMatchObject({ level: 50, method: "POST", path: "/api/trpc/a", status: 500 });
    expect(request?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    // Failed samples are logged with the broker's error text, which must not echo credentials either.
    expect(lines.some((line) => line.component === "collector" && line.msg === "sample failed")).toBe(true);
    expect(output).not.toContain(MARKER);
  });
});
