import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { uniqueName } from "../../fixtures/names";

/** The local stack's endpoints (scripts/stack.mjs), overridable like the app's own config. */
export const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
export const SQS_ENDPOINT = process.env.SQS_ENDPOINT ?? "http://localhost:9324";
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export { uniqueName };

/** A fresh database on the test server, dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName("redrive_test").replaceAll("-", "_");
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}

/** A fresh directory for an embedded control store (the server Redrive runs itself). */
export function createTestDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "redrive-store-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
