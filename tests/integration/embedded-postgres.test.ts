import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { count, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { recordAudit } from "~/server/audit";
import { openControlStore } from "~/server/db/control-store";
import { runningServer } from "~/server/db/embedded-postgres";
import { auditLog, users } from "~/server/db/schema";
import { createTestDataDir } from "./helpers/environment";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("embedded PostgreSQL control store", () => {
  it("is started by one process and shared by the next, localhost only, stopped by its owner", async () => {
    const { dir, remove } = createTestDataDir();
    cleanups.push(remove);
    const first = await openControlStore({ dataDir: dir });
    const second = await openControlStore({ dataDir: dir });
    try {
      expect(first.kind).toBe("embedded");
      expect(first.location).not.toContain("another process");
      expect(second.location).toContain("run by another process");
      const server = runningServer(path.join(dir, "postgres"));
      expect(server?.ready).toBe(true);
      // One server: a row written through one store is read through the other.
      await first.db.insert(users).values({ username: "shared", role: "viewer", passwordHash: "x" });
      const [row] = await second.db.select({ n: count() }).from(users).where(eq(users.username, "shared"));
      expect(row?.n).toBe(1);
      const listen = (await first.db.execute(
        sql`select current_setting('listen_addresses') as listen, current_setting('unix_socket_directories') as sockets`,
      )) as unknown as { rows: { listen: string; sockets: string }[] };
      expect(listen.rows[0]).toEqual({ listen: "127.0.0.1", sockets: "" });
      if (process.getuid?.() === 0) {
        // Postgres refuses root: it runs as the unprivileged postgres user, which owns the data directory.
        expect(statSync(path.join(dir, "postgres")).uid).not.toBe(0);
      }
    } finally {
      await second.close();
      await first.close();
    }
    // The owner stopped it: the lock file is gone or names a dead process.
    expect(runningServer(path.join(dir, "postgres"))).toBeNull();
  });

  it("imports a Redrive 0.1 PGlite store once, then renames it", async () => {
    const { dir, remove } = createTestDataDir();
    cleanups.push(remove);
    const oldDir = path.join(dir, "pgdata");
    mkdirSync(oldDir, { recursive: true });
    const old = await PGlite.create(oldDir);
    const oldDb = drizzle(old);
    await migrate(oldDb, { migrationsFolder: path.join(process.cwd(), "drizzle") });
    await oldDb.insert(users).values({ username: "carried-over", role: "operator", passwordHash: "h" });
    await recordAudit(oldDb as never, { actor: { kind: "system", name: "old" }, procedure: "old.thing", parameters: {}, outcome: "ok" });
    await old.close();

    const store = await openControlStore({ dataDir: dir });
    try {
      const [user] = await store.db.select().from(users).where(eq(users.username, "carried-over"));
      expect(user?.role).toBe("operator");
      const [audit] = await store.db.select({ n: count() }).from(auditLog).where(eq(auditLog.procedure, "old.thing"));
      expect(audit?.n).toBe(1);
      // New rows get new ids after the copied ones.
      await recordAudit(store.db, { actor: { kind: "system", name: "new" }, procedure: "new.thing", parameters: {}, outcome: "ok" });
      expect(existsSync(oldDir)).toBe(false);
      expect(readdirSync(dir).some((name) => name.startsWith("pgdata.imported-"))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("refuses a REDRIVE_DATA_DIR that is itself a PGlite store, saying how to move it", async () => {
    const { dir, remove } = createTestDataDir();
    cleanups.push(remove);
    const old = await PGlite.create(dir);
    await old.close();
    await expect(openControlStore({ dataDir: dir })).rejects.toThrow(/PGlite control store from Redrive 0\.1.*pgdata/);
  });
});
