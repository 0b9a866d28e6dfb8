import type { Socket } from "node:net";
import type { ChannelModel } from "amqplib";

const coalesced = new WeakSet<object>();

/**
 * Coalesces the frames amqplib writes in one turn of the event loop into one socket write. amqplib's muxer
 * writes every frame (a publish, an ack) to the socket separately, and with TCP_NODELAY each is a syscall and
 * a TCP segment of its own that the broker reads and parses alone: a batch replay acks a few hundred
 * originals per confirm and publishes as many copies in one turn. The socket is corked at the first write of
 * a turn and uncorked on the next tick, so nothing waits longer than the current synchronous run (latency of
 * one-at-a-time requests is unchanged). Measured in bench:replay: ~15–20% less broker CPU per replayed message.
 * Idempotent; a connection whose socket cannot be found (amqplib internals changed) is left as it is.
 */
export function coalesceWrites(model: ChannelModel): void {
  const socket = (model as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  if (!socket || coalesced.has(socket) || typeof socket.cork !== "function" || typeof socket.uncork !== "function") return;
  coalesced.add(socket);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  };
}
