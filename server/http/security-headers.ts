/** The headers every page carries (proxy.ts) and the stricter set every API route carries (next.config.js). */

export const PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
export const HSTS = "max-age=63072000; includeSubDomains";

export function pageContentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    // React renders some layout as style attributes (virtualised tables, charts): allowed, inline <style> is not.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(options: { nonce: string; tls: boolean; development: boolean }): Record<string, string> & { "Content-Security-Policy": string } {
  return {
    "Content-Security-Policy": pageContentSecurityPolicy(options.nonce, options.development),
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(options.tls ? { "Strict-Transport-Security": HSTS } : {}),
  };
}
