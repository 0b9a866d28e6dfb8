import { expect, test } from "@playwright/test";
import { E2E_ADMIN_PASSWORD } from "./support/constants";

test("an anonymous visitor is sent to sign-in", async ({ page }) => {
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Redrive" })).toBeVisible();
});

test("a wrong password is refused, the right one signs in, sign-out ends the session", async ({ page, context }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong username or password.")).toBeVisible();

  await page.getByLabel("Password").fill(E2E_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText("admin");

  const cookie = (await context.cookies()).find((c) => c.name === "redrive_session");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });

  // Every section of the shell is reachable. A section's link name may carry its badge ("Alerts 2" while
  // earlier specs' alerts fire), so the name is matched from its start.
  const sections = page.getByRole("navigation", { name: "Sections" });
  for (const section of ["Consumer lag", "DLQs", "Replays", "Sagas", "Outbox", "Alerts", "Audit", "Settings"]) {
    await sections.getByRole("link", { name: new RegExp(`^${section}(\\s|$)`) }).click();
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
});
