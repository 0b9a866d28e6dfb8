import http from "node:http";
import { z } from "zod";
import type { FaultStore } from "./faults";

// Admin endpoint for the fault knobs: GET /faults, PATCH /faults (JSON, deep-merged, validated).
// Requires `Authorization: Bearer <DEMO_ADMIN_TOKEN>` when a token is configured.

export function startAdminServer(
  faults: FaultStore,
  opts: { port: number; host?: string; token?: string; stats?: () => unknown },
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body, null, 2) + "\n");
    };
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { error: "unauthorized" });
    const url = new URL(req.url ?? "/", "http://admin");
    if (url.pathname === "/stats" && req.method === "GET") return send(200, opts.stats?.() ?? {});
    if (url.pathname !== "/faults") return send(404, { error: "not found: use GET/PATCH /faults or GET /stats" });
    if (req.method === "GET") return send(200, faults.get());
    if (req.method !== "PATCH") return send(405, { error: "method not allowed" });
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      raw += c;
      if (raw.length > 64 * 1024) req.destroy();
    });
    req.on("end", () => {
      try {
        send(200, faults.patch(JSON.parse(raw)));
      } catch (err) {
        send(400, { error: err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve(server));
  });
}
