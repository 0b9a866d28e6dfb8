import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { E2E_ADMIN_PASSWORD, E2E_SECRET_MARKER } from "./e2e/support/constants";

const port = Number(process.env.E2E_PORT ?? 3100);
// The test OpenID Provider (tests/oidc/run.ts) that sso.spec.ts signs in through.
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? port + 1000);
const E2E_OIDC_SECRET = "redrive-test-client-secret-0123456789";
// A fresh embedded control store per run: the e2e suite never depends on an earlier run's data.
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), "redrive-e2e-"));
process.env.E2E_DATA_DIR = dataDir;
// The sagas spec's application database: created and migrated once per run (workers inherit the URL), dropped in teardown.
if (!process.env.E2E_SAGAS_DATABASE_URL) {
  const url = `postgres://postgres@127.0.0.1:5432/redrive_e2e_sagas_${Date.now().toString(36)}_${process.pid}`;
  execFileSync("node_modules/.bin/tsx", ["demo/db/migrate.ts"], { env: { ...process.env, DEMO_DATABASE_URL: url }, stdio: "ignore" });
  process.env.E2E_SAGAS_DATABASE_URL = url;
}

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  // `npm test` allows one retry (E2E_RETRIES=1), as Playwright advises for CI: the browser specs drive a real
  // stack on a 2-core machine, and a timing flake should not hide a run's result. A retried test is reported
  // as flaky in the summary, never silently; locally (and with E2E_RETRIES=0) a failure is final.
  retries: Number(process.env.E2E_RETRIES ?? 0),
  globalTeardown: "./e2e/support/global-teardown.ts",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    },
  },
  webServer: [
    {
      command: "node_modules/.bin/tsx tests/oidc/run.ts",
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
      env: { OIDC_PORT: String(oidcPort), OIDC_REDIRECT_URIS: `http://127.0.0.1:${port}/api/auth/oidc/callback` },
    },
    {
    // Tests run against the production build (`npm test` builds first).
    command: `node_modules/.bin/next start -p ${port} -H 127.0.0.1`,
    url: `http://127.0.0.1:${port}/sign-in`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      REDRIVE_CONFIG: "e2e/redrive.e2e.yaml",
      REDRIVE_DATA_DIR: dataDir,
      REDRIVE_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      SQS_SECRET_ACCESS_KEY: E2E_SECRET_MARKER,
      DATABASE_URL: "",
      E2E_SAGAS_DATABASE_URL: process.env.E2E_SAGAS_DATABASE_URL,
      E2E_OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
      E2E_OIDC_SECRET,
    },
    },
  ],
});
