import superjson from "superjson";
import { handleTrpcRequest } from "~/server/api/http";
import { appRouter } from "~/server/api/root";
import { contextFactory, type ProcedureMeta } from "~/server/api/trpc";
import { ensureFirstAdmin } from "~/server/auth/bootstrap";
import { installPeerStamp, PEER_HEADER } from "~/server/auth/client-address";
import { createApiToken } from "~/server/auth/sessions";
import { configSchema, type RedriveConfigInput } from "~/server/config/schema";
import { buildConnections, closeConnections, type Connections } from "~/server/connections/registry";
import { openControlStore, type ControlStore } from "~/server/db/control-store";
import { openJobQueue, type JobQueue } from "~/server/jobs/job-queue";
import { startJobWorkers } from "~/server/jobs/workers";
import type { Role } from "~/server/db/schema";
import { createTestDatabase } from "./environment";

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * Redrive's real tRPC HTTP handler over a real control store and real broker connections,
 * called with Request objects (no server process needed).
 */
export class ApiHarness {
  private constructor(
    readonly store: ControlStore,
    readonly connections: Connections,
    private readonly cleanup: () => Promise<void>,
  ) {}

  private queue: Promise<JobQueue> | null = null;
  private worker: { stop(): Promise<void> } | null = null;

  /**
   * Over a fresh database on the test server by default (the embedded server's start-up is covered by
   * embedded-postgres.test.ts and would add seconds per file), or a database (`databaseUrl`) the caller owns.
   */
  static async start(config: RedriveConfigInput, options: { databaseUrl?: string } = {}): Promise<ApiHarness> {
    // As the server does (instrumentation.ts); the harness plays the socket and sets the peer header itself.
    installPeerStamp();
    const own = options.databaseUrl ? null : await createTestDatabase();
    const store = await openControlStore({ databaseUrl: options.databaseUrl ?? own!.url });
    await ensureFirstAdmin(store.db, { REDRIVE_ADMIN_PASSWORD: "harness-admin-password" });
    return new ApiHarness(store, buildConnections(configSchema.parse(config)), async () => {
      await own?.drop();
    });
  }

  async tokenFor(role: Role): Promise<string> {
    return (await createApiToken(this.store.db, { name: `test-${role}`, role, createdBy: null, expiresAt: null })).token;
  }

  async call(
    procedure: string,
    options: { kind: "query" | "mutation"; input?: unknown; headers?: Record<string, string>; peer?: string; body?: BodyInit },
  ): Promise<ApiResponse> {
    const base = `http://redrive.test/api/trpc/${procedure}`;
    const serialized = options.input === undefined ? undefined : JSON.stringify(superjson.serialize(options.input));
    // The socket's address, as the server stamps it on every request.
    const headers = { [PEER_HEADER]: options.peer ?? "127.0.0.1", ...options.headers };
    const request =
      options.kind === "query"
        ? new Request(serialized ? `${base}?input=${encodeURIComponent(serialized)}` : base, { headers })
        : new Request(base, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: options.body ?? serialized ?? "{}",
            ...(options.body instanceof ReadableStream ? { duplex: "half" } : {}),
          } as RequestInit);
    const response = await handleTrpcRequest(request, {
      server: this.connections.config.server,
      createContext: contextFactory(async () => ({ db: this.store.db, connections: this.connections, jobs: () => this.jobs() })),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  /** The result of a successful call, deserialised. */
  async data<T>(procedure: string, options: Parameters<ApiHarness["call"]>[1]): Promise<T> {
    const response = await this.call(procedure, options);
    if (response.status !== 200) throw new Error(`${procedure} answered ${response.status}: ${JSON.stringify(response.body)}`);
    const body = response.body as { result: { data: Parameters<typeof superjson.deserialize>[0] } };
    return superjson.deserialize<T>(body.result.data);
  }

  /** The durable job queue over this harness's control store, opened on first use. */
  jobs(): Promise<JobQueue> {
    this.queue ??= openJobQueue(this.store);
    return this.queue;
  }

  /** Runs replay jobs in this process, as the server does. */
  async startWorker(): Promise<void> {
    this.worker ??= await startJobWorkers({ db: this.store.db, connections: this.connections, queue: await this.jobs() });
  }

  async close(): Promise<void> {
    await this.worker?.stop();
    if (this.queue) await (await this.queue).stop();
    await closeConnections(this.connections);
    await this.store.close();
    await this.cleanup();
  }
}

/** Every procedure of the router with its declared access and kind. */
export function listProcedures(): { path: string; access: ProcedureMeta["access"]; kind: "query" | "mutation" }[] {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { meta?: ProcedureMeta; type: "query" | "mutation" | "subscription" } }
  >;
  return Object.entries(procedures).map(([path, procedure]) => {
    const access = procedure._def.meta?.access;
    if (!access) throw new Error(`procedure ${path} declares no access level`);
    if (procedure._def.type === "subscription") throw new Error(`subscription ${path} is not covered by this helper`);
    return { path, access, kind: procedure._def.type };
  });
}
