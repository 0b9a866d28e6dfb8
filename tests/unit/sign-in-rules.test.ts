import { describe, expect, it } from "vitest";
import { localSignInAllowed } from "~/server/auth/local-accounts";
import { roleFromClaims } from "~/server/auth/oidc";
import { blockSeconds } from "~/server/auth/throttle";
import { configSchema } from "~/server/config/schema";

const settings = { freeFailures: 5, freeFailuresPerAddress: 20, maxBlockSeconds: 900 };

describe("blockSeconds", () => {
  it("lets the free failures pass, then doubles up to the cap", () => {
    expect([1, 5, 6, 7, 8, 9].map((n) => blockSeconds("user:a", n, settings))).toEqual([0, 0, 1, 2, 4, 8]);
    expect(blockSeconds("user:a", 40, settings)).toBe(900);
    expect(blockSeconds("user:a", 10_000, settings)).toBe(900);
  });
  it("gives an address more free failures than a username", () => {
    expect(blockSeconds("address:10.0.0.1", 20, settings)).toBe(0);
    expect(blockSeconds("address:10.0.0.1", 21, settings)).toBe(1);
  });
});

describe("roleFromClaims", () => {
  const mapping = { claim: "groups", admin: ["ops-admins"], operator: ["ops"], viewer: ["staff"], configured: { "payments-ops": ["payments"], auditor: ["audit"] }, default: null };
  it("takes the highest role matched", () => {
    expect(roleFromClaims({ groups: ["staff", "ops", "ops-admins"] }, mapping)).toBe("admin");
    expect(roleFromClaims({ groups: ["staff", "ops"] }, mapping)).toBe("operator");
    expect(roleFromClaims({ groups: "staff" }, mapping)).toBe("viewer");
  });
  it("maps to configured roles below admin and operator, above viewer, in the order written", () => {
    expect(roleFromClaims({ groups: ["staff", "payments"] }, mapping)).toBe("payments-ops");
    expect(roleFromClaims({ groups: ["audit", "payments"] }, mapping)).toBe("payments-ops");
    expect(roleFromClaims({ groups: ["audit", "staff"] }, mapping)).toBe("auditor");
    expect(roleFromClaims({ groups: ["payments", "ops"] }, mapping)).toBe("operator");
    expect(roleFromClaims({ groups: ["other"] }, { ...mapping, default: "auditor" })).toBe("auditor");
  });
  it("falls back to the default, which may refuse", () => {
    expect(roleFromClaims({ groups: ["other"] }, mapping)).toBeNull();
    expect(roleFromClaims({}, { ...mapping, default: "viewer" })).toBe("viewer");
    expect(roleFromClaims({ groups: [{ name: "ops-admins" }] }, mapping)).toBeNull();
  });
});

describe("localSignInAllowed", () => {
  const auth = (oidc?: object) => configSchema.parse({ auth: { oidc } }).auth;
  const sso = { issuer: "https://idp.example.com", clientId: "redrive" };
  it("allows everyone without SSO or with local accounts on", () => {
    expect(localSignInAllowed(auth(), "lou")).toBe(true);
    expect(localSignInAllowed(auth(sso), "lou")).toBe(true);
  });
  it("keeps only the break-glass accounts when local accounts are off", () => {
    expect(localSignInAllowed(auth({ ...sso, localAccounts: false }), "lou")).toBe(false);
    expect(localSignInAllowed(auth({ ...sso, localAccounts: false }), " Admin ")).toBe(true);
    expect(localSignInAllowed(auth({ ...sso, localAccounts: false, breakGlass: ["rescue"] }), "admin")).toBe(false);
  });
});
