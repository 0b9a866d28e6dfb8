import { count } from "drizzle-orm";
import type { Env } from "~/server/config/load";
import type { ControlDb } from "~/server/db/control-store";
import { auditLog, users } from "~/server/db/schema";
import { hashPassword, newSecret } from "./secrets";

export const FIRST_ADMIN = "admin";

/**
 * On first run (no users at all) creates the admin account. Its password comes from
 * REDRIVE_ADMIN_PASSWORD, or is generated and printed once: it is never stored in clear.
 */
export async function ensureFirstAdmin(db: ControlDb, env: Env = process.env): Promise<void> {
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return;
  const given = env.REDRIVE_ADMIN_PASSWORD;
  const password = given && given.length > 0 ? given : newSecret().slice(0, 20);
  const inserted = await db
    .insert(users)
    .values({ username: FIRST_ADMIN, passwordHash: await hashPassword(password), role: "admin" })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (inserted.length === 0) return; // another replica won the race
  await db.insert(auditLog).values({
    actorKind: "system",
    actorName: "redrive",
    procedure: "bootstrap.createFirstAdmin",
    parameters: { username: FIRST_ADMIN, passwordSource: given ? "REDRIVE_ADMIN_PASSWORD" : "generated" },
    outcome: "ok",
  });
  if (!given) {
    // Deliberately plain text, not a log record: a person must read it once; REDRIVE_ADMIN_PASSWORD avoids it.
    console.log(
      `\n[redrive] First run: created user "${FIRST_ADMIN}" with password: ${password}\n` +
        "[redrive] It is shown only this once. Sign in and create personal accounts under Settings.\n",
    );
  }
}
