import { expect, test } from "@playwright/test";

// Issue 13, point 8: single sign-on in Chromium through the test OpenID Provider's own login form.
test("signs in through the OpenID Provider, the role coming from the groups claim", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Sign in with Test SSO" }).click();
  // The provider's page, not Redrive's.
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill("ada.admin");
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();

  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText("ada.admin");
  await expect(page.getByText("· admin")).toBeVisible();
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  await expect(page.getByText("Your password is kept by your single sign-on provider.")).toBeVisible();
  await expect(page.getByRole("cell", { name: "ada.admin" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("an account whose groups map to no role is turned back with a reason", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Sign in with Test SSO" }).click();
  await page.locator('input[name="login"]').fill("no.groups");
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await expect(page).toHaveURL(/\/sign-in\?error=/);
  // Scoped to the page's main: Next's route announcer is a second role="alert" once the page has hydrated.
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Your account has no Redrive role: ask an admin.");
});
