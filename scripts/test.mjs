// `npm test`: the whole suite on the real local stack — lint, typecheck, unit, integration, production build, e2e.
// Starts the broker stack when it is not running, and stops it again afterwards (also when a step fails).
// Set TEST_STEPS=unit,integration (names below) to run a subset.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const env = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
};

const steps = [
  { name: "lint", command: [bin("eslint"), "--max-warnings", "0", "."] },
  { name: "typecheck", command: [bin("tsc"), "--noEmit"] },
  { name: "unit", command: [bin("vitest"), "run", "--project", "unit"] },
  { name: "integration", command: [bin("vitest"), "run", "--project", "integration"], stack: true },
  { name: "build", command: [bin("next"), "build"] },
  { name: "e2e", command: [bin("playwright"), "test"], stack: true },
];
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
    const status = run(step.command);
    results.push({ name: step.name, ok: status === 0, seconds: (Date.now() - started) / 1000 });
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
for (const result of results) console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name.padEnd(12)} ${result.seconds.toFixed(1)} s`);
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${selected.length - passed} failed`);
process.exit(failed ? 1 : 0);
