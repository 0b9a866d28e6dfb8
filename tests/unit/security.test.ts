import { describe, expect, it } from "vitest";
import { redactSecrets } from "~/server/audit";
import { hasRole } from "~/server/auth/principal";
import { isSameOrigin, readCookie } from "~/server/auth/request";

describe("roles", () => {
  it("orders viewer < operator < admin", () => {
    expect(hasRole({ role: "viewer" }, "viewer")).toBe(true);
    expect(hasRole({ role: "viewer" }, "operator")).toBe(false);
    expect(hasRole({ role: "operator" }, "operator")).toBe(true);
    expect(hasRole({ role: "operator" }, "admin")).toBe(false);
    expect(hasRole({ role: "admin" }, "operator")).toBe(true);
  });
});

describe("redactSecrets", () => {
  it("replaces secret-looking keys at any depth and keeps the rest", () => {
    expect(
      redactSecrets({ username: "ann", password: "hunter22", nested: [{ apiToken: "x", note: "keep" }], count: 3 }),
    ).toEqual({ username: "ann", password: "[redacted]", nested: [{ apiToken: "[redacted]", note: "keep" }], count: 3 });
  });
});

describe("request helpers", () => {
  it("reads one cookie among several", () => {
    expect(readCookie("a=1; redrive_session=abc%3D; b=2", "redrive_session")).toBe("abc=");
    expect(readCookie("a=1", "redrive_session")).toBeNull();
  });

  it("accepts same-origin and refuses cross-origin browser requests", () => {
    const request = (origin: string | null) =>
      new Request("http://console.local/api/trpc/x", {
        method: "POST",
        headers: { host: "console.local", ...(origin ? { origin } : {}) },
      });
    expect(isSameOrigin(request("http://console.local"))).toBe(true);
    expect(isSameOrigin(request(null))).toBe(true);
    expect(isSameOrigin(request("https://evil.example"))).toBe(false);
  });
});
