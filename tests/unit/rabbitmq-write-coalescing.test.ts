import { once } from "node:events";
import { createServer, connect, type Server, type Socket } from "node:net";
import type { ChannelModel } from "amqplib";
import { afterEach, describe, expect, it } from "vitest";
import { coalesceWrites } from "~/server/brokers/rabbitmq/write-coalescing";

// A real TCP socket pair: what amqplib's connection writes to (no broker needed to see the socket's behaviour).
let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = null;
});

async function pair(): Promise<{ client: Socket; received: () => Buffer }> {
  const chunks: Buffer[] = [];
  server = createServer((s) => {
    sockets.push(s);
    s.on("data", (chunk: Buffer) => chunks.push(chunk));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const client = connect({ port, host: "127.0.0.1", noDelay: true });
  sockets.push(client);
  await once(client, "connect");
  return { client, received: () => Buffer.concat(chunks) };
}

const model = (stream: Socket) => ({ connection: { stream } }) as unknown as ChannelModel;

describe("coalesceWrites", () => {
  it("holds the writes of one turn together and sends them, in order, on the next tick", async () => {
    const { client, received } = await pair();
    coalesceWrites(model(client));
    const writev: number[] = [];
    const original = (client as unknown as { _writev: (chunks: unknown[], cb: () => void) => void })._writev.bind(client);
    (client as unknown as { _writev: (chunks: unknown[], cb: () => void) => void })._writev = (chunks, cb) => {
      writev.push(chunks.length);
      original(chunks, cb);
    };
    expect(client.writableCorked).toBe(0);
    for (let i = 0; i < 5; i++) client.write(Buffer.from(`frame-${i};`));
    expect(client.writableCorked).toBe(1);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(client.writableCorked).toBe(0);
    expect(writev).toEqual([5]);
    const expected = "frame-0;frame-1;frame-2;frame-3;frame-4;";
    for (let i = 0; i < 50 && received().length < expected.length; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received().toString()).toBe(expected);
  });

  it("is idempotent and leaves a model without a socket alone", async () => {
    const { client } = await pair();
    coalesceWrites(model(client));
    coalesceWrites(model(client));
    client.write("a");
    expect(client.writableCorked).toBe(1);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(client.writableCorked).toBe(0);
    expect(() => coalesceWrites({} as ChannelModel)).not.toThrow();
  });
});
