/**
 * Security headers for every page (Next.js 16 Proxy, the successor of middleware): a fresh nonce per request
 * in a strict Content-Security-Policy (Next.js reads it from the request's CSP header and puts it on its own
 * scripts), no framing, no referrer beyond our origin, no powerful browser features, and HSTS when the page
 * was served over TLS. API routes get their (static) headers from next.config.js; they are left out of the
 * matcher so request bodies stream to the route untouched (the body limits in server/api/http.ts).
 */
import { NextResponse, type NextRequest } from "next/server";
import { securityHeaders } from "~/server/http/security-headers";

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const headers = securityHeaders({
    nonce,
    tls: request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto") === "https",
    development: process.env.NODE_ENV === "development",
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.svg).*)",
      // Prefetches are served from the router cache with the nonce of the page that asked for them.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
