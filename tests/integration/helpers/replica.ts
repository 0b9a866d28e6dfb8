/**
 * One Redrive replica for the multi-replica tests, run in its own process (`tsx tests/integration/helpers/replica.ts`):
 * Redrive's real tRPC HTTP handler over a control store shared with the other replicas (REPLICA_DATABASE_URL) and
 * the broker connections of REPLICA_CONFIG (JSON), served on 127.0.0.1 on a free port. Prints `listening <port>`.
 */
import http from "node:http";
import { handleTrpcRequest } from "~/server/api/http";
import { contextFactory } from "~/server/api/trpc";
import { installPeerStamp } from "~/server/auth/client-address";
import { configSchema } from "~/server/config/schema";
import { buildConnections, closeConnections } from "~/server/connections/registry";
import { openControlStore } from "~/server/db/control-store";

installPeerStamp();
const store = await openControlStore({ databaseUrl: process.env.REPLICA_DATABASE_URL! });
const connections = buildConnections(configSchema.parse(JSON.parse(process.env.REPLICA_CONFIG ?? "{}")));

const server = http.createServer((req, res) => {
  void (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    const response = await handleTrpcRequest(request, {
      server: connections.config.server,
      createContext: contextFactory(async () => ({ db: store.db, connections, jobs: () => Promise.reject(new Error("no job queue in a test replica")) })),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  })().catch((error: unknown) => {
    res.writeHead(500);
    res.end(String(error));
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : 0}`);
});

process.on("SIGTERM", () => {
  server.close();
  void closeConnections(connections)
    .then(() => store.close())
    .finally(() => process.exit(0));
});
