import { expect, test } from "@playwright/test";
import { count, eq, inArray } from "drizzle-orm";
import { connect } from "../demo/db/client";
import { migrateDatabase } from "../demo/db/migrate";
import { sagaInstances } from "../demo/db/schema";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const DATABASE_URL = process.env.E2E_SAGAS_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/redrive_e2e_sagas";

test("the Sagas badge counts only sagas that need a human; the page shows those waiting apart, labelled", async ({ page }) => {
  test.setTimeout(120_000);
  await migrateDatabase(DATABASE_URL);
  const { db, close } = connect(DATABASE_URL, 2);
  const sagaType = uniqueName("E2eAttention");
  const anHourAgo = new Date(Date.now() - 3_600_000);
  const ids: string[] = [];
  try {
    // One saga whose compensation failed (a human must act) and three idle running ones (stuck, but waiting).
    const inserted = await db
      .insert(sagaInstances)
      .values([
        { sagaType, status: "compensation_failed", currentStep: "payment.refund", lastError: "payment.refund: card processor down", correlationId: uniqueName("order"), updatedAt: anHourAgo },
        ...[1, 2, 3].map(() => ({ sagaType, status: "running" as const, currentStep: "shipping.schedule", correlationId: uniqueName("order"), updatedAt: anHourAgo })),
      ])
      .returning({ id: sagaInstances.id });
    ids.push(...inserted.map((row) => row.id));
    const [needHuman] = await db.select({ n: count() }).from(sagaInstances).where(eq(sagaInstances.status, "compensation_failed"));

    await signInAsAdmin(page);
    await page.goto(`/sagas?database=e2e`);
    // The badge is the compensation_failed count alone: the three waiting sagas are not in it.
    await expect(page.getByTestId("stuck-sagas-badge")).toHaveText(String(needHuman!.n), { timeout: 60_000 });
    await expect(page.getByTestId("stuck-sagas-badge")).toHaveAttribute("title", /need(s)? a human \(\d+ more waiting on a participant\)/);

    const needsHuman = page.getByTestId("stuck-needs-human");
    const waiting = page.getByTestId("stuck-waiting");
    await expect(needsHuman.getByTestId("stuck-group").filter({ hasText: sagaType })).toContainText(`1 ${sagaType} saga (compensation failed)`, { timeout: 60_000 });
    await expect(waiting.getByTestId("stuck-group").filter({ hasText: sagaType })).toContainText(`3 ${sagaType} sagas (running)`);
    await expect(needsHuman.getByTestId("stuck-group").filter({ hasText: `${sagaType} sagas (running)` })).toHaveCount(0);
    await expect(page.getByTestId(`stuck-row-${ids[0]}`).getByTestId("stuck-kind")).toHaveText("needs a human");
    await expect(page.getByTestId(`stuck-row-${ids[1]}`).getByTestId("stuck-kind")).toHaveText("waiting");
  } finally {
    if (ids.length) await db.delete(sagaInstances).where(inArray(sagaInstances.id, ids));
    await close();
  }
});
