/**
 * Who is calling, by network address. Next.js keeps a client's own X-Forwarded-For and drops the socket
 * address when one is sent, so the server stamps the real peer on every request (installPeerStamp, from
 * instrumentation.ts) and X-Forwarded-For is believed only when that peer is a configured proxy.
 */
import http from "node:http";
import { addressMatcher, unmapped } from "~/server/lib/net";

export const PEER_HEADER = "x-redrive-peer";

const holder = globalThis as unknown as { __redrivePeerStamp?: boolean };

/** Overwrites PEER_HEADER on every incoming request with the socket's address (a client cannot set it). */
export function installPeerStamp(): void {
  if (holder.__redrivePeerStamp) return;
  holder.__redrivePeerStamp = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function stampPeer(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      const request = args[0] as http.IncomingMessage;
      request.headers[PEER_HEADER] = request.socket.remoteAddress ?? "";
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
}

const matchers = new Map<string, (address: string) => boolean>();

function trusted(cidrs: readonly string[]): (address: string) => boolean {
  const key = cidrs.join(",");
  let matcher = matchers.get(key);
  if (!matcher) {
    matcher = addressMatcher(cidrs);
    matchers.set(key, matcher);
  }
  return matcher;
}

/**
 * The caller's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy. Null when the peer is unknown.
 */
export function clientAddress(headers: Headers, trustedProxies: readonly string[]): string | null {
  const peerHeader = holder.__redrivePeerStamp ? headers.get(PEER_HEADER) : null;
  if (!peerHeader) return null;
  const peer = unmapped(peerHeader);
  const isProxy = trusted(trustedProxies);
  if (!isProxy(peer)) return peer;
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => unmapped(entry))
    .filter(Boolean);
  for (let index = forwarded.length - 1; index >= 0; index--) {
    const hop = forwarded[index]!;
    if (!isProxy(hop)) return hop.slice(0, 100);
  }
  return forwarded[0]?.slice(0, 100) ?? peer;
}
