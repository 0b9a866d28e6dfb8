import { spawn, type ChildProcess } from "node:child_process";
import superjson from "superjson";
import { E2E_ADMIN_PASSWORD } from "./constants";

/**
 * A second Redrive production server (next start) that a test owns and may kill -9: its own port and
 * its own Postgres control store, so killing it touches nothing the other specs use.
 */
export class RedriveServer {
  private process: ChildProcess | null = null;
  private output = "";

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.output = "";
    const child = spawn("node_modules/.bin/next", ["start", "-p", String(this.port), "-H", "127.0.0.1"], {
      env: { ...process.env, REDRIVE_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    child.stderr?.on("data", (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    this.process = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${this.output}`);
      const ok = await fetch(`${this.baseUrl}/sign-in`).then((r) => r.ok).catch(() => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`the server did not answer within 60 s:\n${this.output}`);
  }

  /** kill -9: no shutdown hook runs, in-flight work is simply gone. */
  async kill9(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.process = null;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    this.process = null;
  }

  /** SIGSTOP / SIGCONT: the process stays, its sockets stay open, but it does nothing (a hung replica). */
  signal(signal: "SIGSTOP" | "SIGCONT"): void {
    this.process?.kill(signal);
  }

  logs(): string {
    return this.output;
  }

  /** Calls a tRPC procedure over HTTP with a bearer token; throws on anything but 200. */
  async call<T>(token: string, procedure: string, kind: "query" | "mutation", input?: unknown): Promise<T> {
    const serialized = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
    const url = `${this.baseUrl}/api/trpc/${procedure}`;
    const headers = { authorization: `Bearer ${token}` };
    const response =
      kind === "query"
        ? await fetch(serialized ? `${url}?input=${encodeURIComponent(serialized)}` : url, { headers })
        : await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: serialized ?? "{}" });
    const body = (await response.json()) as { result?: { data: Parameters<typeof superjson.deserialize>[0] }; error?: unknown };
    if (response.status !== 200 || !body.result) throw new Error(`${procedure} answered ${response.status}: ${JSON.stringify(body)}`);
    return superjson.deserialize<T>(body.result.data);
  }
}
