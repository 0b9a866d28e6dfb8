// `npm test`: the whole suite on the real local stack — lint, typecheck, unit, integration, production build, e2e.
// Starts the broker stack when it is not running, and stops it again afterwards (also when a step fails).
// Set TEST_STEPS=unit,integration (names below) to run a subset.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const env = {
  ...process.env,
  TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
};

// Test counts are read from the runners' JSON reports, for the closing line.
const reports = mkdtempSync(path.join(os.tmpdir(), "redrive-test-"));
const vitestJson = (name) => ["--reporter=default", "--reporter=json", `--outputFile.json=${path.join(reports, `${name}.json`)}`];
const steps = [
  { name: "lint", command: [bin("eslint"), "--max-warnings", "0", "."] },
  { name: "typecheck", command: [bin("tsc"), "--noEmit"] },
  { name: "unit", command: [bin("vitest"), "run", "--project", "unit", ...vitestJson("unit")], report: "vitest" },
  // One retry, as for e2e: real brokers on a 2-core machine. A test that passes only on its retry is named as flaky in
  // the summary, never silently; INTEGRATION_RETRIES=0 makes a first failure final.
  { name: "integration", command: [bin("vitest"), "run", "--project", "integration", `--retry=${process.env.INTEGRATION_RETRIES ?? 1}`, ...vitestJson("integration")], stack: true, report: "vitest" },
  { name: "build", command: ["npm", "run", "build"] },
  // The artifact users deploy: .next/standalone copied away from the checkout, on the embedded PostgreSQL.
  { name: "standalone", command: ["node", "scripts/smoke-standalone.mjs"], stack: true },
  { name: "e2e", command: [bin("playwright"), "test", "--reporter=list,json"], stack: true, report: "playwright" },
];

/** A step's JSON report (vitest or Playwright), or null when the runner crashed before writing it. */
function readReport(step) {
  try {
    return JSON.parse(readFileSync(path.join(reports, `${step.name}.json`), "utf8"));
  } catch {
    return null;
  }
}

/** { passed, failed, flaky } from a step's report (vitest: numPassedTests; Playwright: stats). */
function counts(step, report) {
  if (!step.report) return null;
  if (!report) return { passed: 0, failed: 1 }; // a runner that crashed before reporting counts as a failure
  if (step.report === "vitest") {
    // Flaky: passed, but holds the errors of the attempts before its retry.
    const flaky = report.testResults.flatMap((file) => file.assertionResults).filter((test) => test.status === "passed" && test.failureMessages?.length > 0).length;
    return { passed: report.numPassedTests, failed: report.numFailedTests, flaky };
  }
  // Flaky: failed once, then passed on its one retry. Counted as passed, and named in the summary.
  const { stats } = report;
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected, flaky: stats.flaky };
}

/** "file > test: first line of the error" for each failed or flaky test in a step's report, so the run's last lines name them. */
function failures(step, report) {
  if (!report) return []; // no report: the runner crashed, and its own output says why
  if (step.report === "vitest") {
    return report.testResults.flatMap((file) => {
      const where = path.relative(root, file.name);
      const named = file.assertionResults.filter((test) => test.failureMessages?.length > 0);
      // A file that failed outside any test (an import error, a failing hook) has no failed assertion to name.
      if (named.length === 0 && file.status === "failed") return [`${where}: ${firstLine(file.message)}`];
      return named.map((test) => `${where} > ${test.fullName}${test.status === "passed" ? " (flaky)" : ""}: ${firstLine(test.failureMessages[0])}`);
    });
  }
  const named = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== "unexpected" && test.status !== "flaky") continue;
        const error = test.results?.find((result) => result.error)?.error?.message;
        named.push(`${spec.file} > ${[...titles, spec.title].join(" > ")}${test.status === "flaky" ? " (flaky)" : ""}: ${firstLine(error)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report.suites ?? []) walk(suite, []);
  return named;
}
// Runners colour their messages with ANSI escapes.
const firstLine = (text) => (text ?? "").replace(/\u001b\[[0-9;]*m/g, "").split("\n").find((line) => line.trim())?.trim().slice(0, 300) ?? "";
const wanted = process.env.TEST_STEPS?.split(",").map((s) => s.trim());
const selected = wanted ? steps.filter((step) => wanted.includes(step.name)) : steps;

function run(command, options = {}) {
  const [file, ...args] = command;
  return spawnSync(file, args, { cwd: root, env, stdio: "inherit", ...options }).status;
}

let startedStack = false;
function stopStack() {
  if (startedStack) {
    startedStack = false;
    run(["node", "scripts/stack.mjs", "down"]);
  }
}
process.on("SIGINT", () => {
  stopStack();
  process.exit(130);
});

const results = [];
let failed = false;
try {
  if (selected.some((step) => step.stack)) {
    const running = run(["node", "scripts/stack.mjs", "status"], { stdio: "ignore" }) === 0;
    if (!running) {
      if (run(["node", "scripts/stack.mjs", "up"]) !== 0) throw new Error("the local stack did not start");
      startedStack = true;
    }
  }
  for (const step of selected) {
    const started = Date.now();
    console.log(`\n=== ${step.name} ===`);
    const status = run(step.command, step.report === "playwright" ? { env: { ...env, E2E_RETRIES: env.E2E_RETRIES ?? "1", PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(reports, `${step.name}.json`) } } : {});
    const report = step.report ? readReport(step) : null;
    results.push({ name: step.name, ok: status === 0, seconds: (Date.now() - started) / 1000, tests: counts(step, report), failures: failures(step, report) });
    if (status !== 0) {
      failed = true;
      break; // later steps build on earlier ones
    }
  }
} catch (error) {
  console.error(`\n[test] ${error.message}`);
  failed = true;
} finally {
  stopStack();
}

console.log("\n=== summary ===");
for (const result of results) {
  const flaky = result.tests?.flaky ? `, ${result.tests.flaky} flaky: passed on retry` : "";
  const tests = result.tests ? ` (${result.tests.passed} passed, ${result.tests.failed} failed${flaky})` : "";
  console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name.padEnd(12)} ${result.seconds.toFixed(1)} s${tests}`);
}
for (const result of results) {
  for (const failure of result.failures ?? []) console.log(`  ${result.name}: ${failure}`);
}
const skippedSteps = selected.length - results.length;
if (skippedSteps > 0) console.log(`${skippedSteps} step(s) not run after the failure`);
const total = results.reduce((sum, r) => ({ passed: sum.passed + (r.tests?.passed ?? 0), failed: sum.failed + (r.tests?.failed ?? 0) }), { passed: 0, failed: 0 });
// A failed step without test counts (lint, typecheck, build) still counts as a failure.
const stepFailures = results.filter((r) => !r.ok && !r.tests).length;
console.log(`${total.passed} passed, ${total.failed + stepFailures + skippedSteps} failed`);
process.exit(failed ? 1 : 0);
