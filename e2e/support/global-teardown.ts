import pg from "pg";

/** Drops the sagas spec's application database created in playwright.config.ts. */
export default async function globalTeardown(): Promise<void> {
  const url = process.env.E2E_SAGAS_DATABASE_URL;
  if (!url) return;
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}
