/** A production `next start` of Redrive for the benchmarks: start, wait until ready, stop with its children. */
import { serverEnv as productionServerEnv } from "../../scripts/server-env.mjs";
import { spawn, type ChildProcess } from "node:child_process";
import { sleep } from "./processes";
import type { Log } from "./stats";

/** A production `next start` of Redrive, in its own process group so it can be stopped with its children. */
export interface RedriveServer {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** A benchmark server's environment: its config file, its own database, the first admin's password, production mode. */
export function serverEnv(configPath: string, databaseUrl: string, adminPassword: string): Record<string, string> {
  return {
    REDRIVE_CONFIG: configPath,
    DATABASE_URL: databaseUrl,
    REDRIVE_ADMIN_PASSWORD: adminPassword,
    NODE_ENV: "production",
    // The same Node flags as `npm start` (its heap cap), so the memory measured is the product's.
    NODE_OPTIONS: productionServerEnv().NODE_OPTIONS,
  };
}

/**
 * Starts `next start` on 127.0.0.1:port with env added to this process's, or with `standalone` the artifact users
 * deploy (`npm run redrive`: .next/standalone/server.js); log tells when stop has to SIGKILL.
 */
export function startServer(port: number, env: Record<string, string>, log: Log, options: { standalone?: boolean } = {}): RedriveServer {
  const [command, args] = options.standalone
    ? [process.execPath, ["scripts/redrive.mjs"]]
    : ["node_modules/.bin/next", ["start", "-p", String(port), "-H", "127.0.0.1"]];
  const child = spawn(command, args, {
    env: { ...process.env, ...env, ...(options.standalone ? { PORT: String(port), HOSTNAME: "127.0.0.1" } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout!.setEncoding("utf8").on("data", keep);
  child.stderr!.setEncoding("utf8").on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const group = -child.pid;
      try {
        process.kill(group, "SIGTERM");
      } catch {
        return;
      }
      const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 8_000).unref());
      if ((await Promise.race([exited, timeout])) === "timeout") {
        log("server did not stop on SIGTERM; sending SIGKILL to its process group");
        try {
          process.kill(group, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Waits until GET /sign-in answers 200 (the server is up). */
export async function waitReady(server: RedriveServer, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited with ${server.child.exitCode}:\n${server.output()}`);
    try {
      const response = await fetch(`${server.baseUrl}/sign-in`);
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`server not ready after ${timeoutMs} ms (${lastError})\n${server.output()}`);
}
