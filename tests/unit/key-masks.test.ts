import { describe, expect, it } from "vitest";
import { gateSchemaDetails, resolveGates } from "~/server/api/payload-gate";
import { ConfigError, parseConfig } from "~/server/config/load";
import { exportLine, visibleMessage } from "~/server/dlq/export";
import { hasMasks, MASK, maskBytes, masksHideFields, parseMaskPath, payloadAccess, type PayloadAccess } from "~/server/dlq/masking";
import { detail, summarise, type RawDlqMessage } from "~/server/dlq/messages";
import { filterView } from "~/server/dlq/scans";
import { editablePart } from "~/server/replay/editable";
import type { DecodedPayload } from "~/server/schemas";

const utf = (text: string) => Buffer.from(text, "utf8");
const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString("utf8"));
const KEY = '{"customer":{"email":"a@b.c"},"region":"eu"}';
const VALUE = '{"customer":{"email":"v@x.y"},"card":{"number":"4111"}}';

// The viewer is masked by both rules, the operator by the value rule only, the admin by neither.
const settings = {
  readRoles: ["viewer" as const, "operator" as const, "admin" as const],
  masking: [
    { path: "key.customer.email", exemptRoles: ["operator", "admin"] },
    { path: "value.card.number", exemptRoles: ["admin"] },
  ],
};
const viewer = payloadAccess("viewer", settings);
const operator = payloadAccess("operator", settings);
const admin = payloadAccess("admin", settings);
const keyOnly: PayloadAccess = { payloads: true, masks: [parseMaskPath("key.customer.email")] };
const valueOnly: PayloadAccess = { payloads: true, masks: [parseMaskPath("customer.email")] };

const message = (key: Uint8Array | null, value: Uint8Array | null = utf(VALUE)): RawDlqMessage => ({
  id: "0:0",
  partition: 0,
  offset: 0,
  timestampMs: 0,
  key,
  value,
  headers: new Map(),
  headerEntries: [],
  failure: null,
});

const decoded = (json: string): DecodedPayload => ({ status: "decoded", format: "avro", schemaId: 7, idSource: "confluent", subjects: [], schema: '"string"', references: [], json });

describe("masking rule paths", () => {
  it("a key. prefix names the key; value. or no prefix the value", () => {
    expect(parseMaskPath("key.customer.email")).toEqual({ part: "key", path: ["customer", "email"] });
    expect(parseMaskPath("value.card.number")).toEqual({ part: "value", path: ["card", "number"] });
    expect(parseMaskPath("card.number")).toEqual({ part: "value", path: ["card", "number"] });
    // Only the exact prefix counts: a value field named "keys" or "key" stays a value path.
    expect(parseMaskPath("keys.id")).toEqual({ part: "value", path: ["keys", "id"] });
    expect(parseMaskPath("key")).toEqual({ part: "value", path: ["key"] });
  });

  it("gives each role the rules it is not exempt from, with their parts", () => {
    expect(viewer.masks).toEqual([
      { part: "key", path: ["customer", "email"] },
      { part: "value", path: ["card", "number"] },
    ]);
    expect(operator.masks).toEqual([{ part: "value", path: ["card", "number"] }]);
    expect(admin.masks).toEqual([]);
    expect([hasMasks(operator), hasMasks(operator, "key"), hasMasks(operator, "value"), hasMasks(admin)]).toEqual([true, false, true, false]);
  });

  it("the config accepts key., value. and unprefixed paths and refuses a prefix without a field", () => {
    const config = parseConfig("payloads:\n  masking:\n    - path: key.customer.email\n    - path: value.card.number\n    - path: card.cvv\n", "/etc/redrive/redrive.yaml", {});
    expect(config.payloads.masking.map((rule) => rule.path)).toEqual(["key.customer.email", "value.card.number", "card.cvv"]);
    for (const path of ["key.", "value."]) {
      let error: unknown = null;
      try {
        parseConfig(`payloads:\n  masking:\n    - path: "${path}"\n`, "/etc/redrive/redrive.yaml", {});
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`masking path "${path}" names no field`);
    }
  });
});

describe("maskBytes for one part", () => {
  it("a key rule masks the key's JSON and never the value; a value rule the reverse", () => {
    expect(text(maskBytes(utf(KEY), keyOnly, "key"))).toBe(`{"customer":{"email":"${MASK}"},"region":"eu"}`);
    expect(text(maskBytes(utf(VALUE), keyOnly, "value"))).toBe(VALUE);
    expect(text(maskBytes(utf(VALUE), valueOnly, "value"))).toBe(`{"customer":{"email":"${MASK}"},"card":{"number":"4111"}}`);
    expect(text(maskBytes(utf(KEY), valueOnly, "key"))).toBe(KEY);
  });

  it("leaves a non-JSON key and a bare JSON scalar key unchanged", () => {
    for (const key of ["order-7", '"a@b.c"', "42", "{not json"]) expect(text(maskBytes(utf(key), keyOnly, "key"))).toBe(key);
    expect(maskBytes(null, keyOnly, "key")).toBeNull();
  });

  it("keeps a key's numbers exact and withholds a key too deep to mask", () => {
    expect(text(maskBytes(utf('{"id":9223372036854775807,"customer":{"email":"a@b.c"}}'), keyOnly, "key"))).toBe(`{"id":9223372036854775807,"customer":{"email":"${MASK}"}}`);
    const deep = `{"customer":{"email":"a@b.c"},"deep":${"[".repeat(20_000)}1${"]".repeat(20_000)}}`;
    expect(text(maskBytes(utf(deep), keyOnly, "key"))).toBe(JSON.stringify(MASK));
  });

  it("masksHideFields asks the part's own rules", () => {
    expect(masksHideFields(utf(KEY), keyOnly, "key")).toBe(true);
    expect(masksHideFields(utf(VALUE), keyOnly, "value")).toBe(false);
    expect(masksHideFields(utf(KEY), valueOnly, "key")).toBe(false);
    expect(masksHideFields(utf(VALUE), valueOnly, "value")).toBe(true);
    expect(masksHideFields(utf("order-7"), keyOnly, "key")).toBe(false);
  });
});

describe("keys leaving the server", () => {
  it("the table's key preview and the detail's key are masked for a masked role, whole for an exempt one", () => {
    expect(summarise(message(utf(KEY)), viewer).keyPreview).not.toContain("a@b.c");
    expect(summarise(message(utf(KEY)), viewer).keyPreview).toContain(MASK);
    expect(detail(message(utf(KEY)), viewer).key?.text).toContain(`"email": "${MASK}"`);
    expect(summarise(message(utf(KEY)), operator).keyPreview).toContain("a@b.c");
    expect(detail(message(utf(KEY)), operator).key?.text).toContain("a@b.c");
    // The key rule leaves the value's field of the same name alone.
    expect(detail(message(utf(KEY)), viewer).value?.text).toContain("v@x.y");
  });

  it("a decoded schema key is masked by a key. rule, not by a value rule of the same name", () => {
    const withKey = { ...message(utf("bytes")), decoded: { key: decoded(KEY), value: null } };
    expect(summarise(withKey, keyOnly).keyPreview).not.toContain("a@b.c");
    expect(summarise(withKey, valueOnly).keyPreview).toContain("a@b.c");
    // The encoded key bytes are withheld only where key rules apply.
    expect(detail(withKey, keyOnly).key).toBeNull();
    expect(detail(withKey, valueOnly).key).not.toBeNull();
    const gated = (access: PayloadAccess) => resolveGates(gateSchemaDetails(detail(withKey, access)), access) as ReturnType<typeof detail>;
    expect(gated(keyOnly).schemas.key?.json).toBe(`{"customer":{"email":"${MASK}"},"region":"eu"}`);
    expect(gated(valueOnly).schemas.key?.json).toBe(KEY);
  });

  it("bytes found unwrapped in an output are masked with every part's rules", () => {
    expect(resolveGates({ raw: utf(KEY) }, keyOnly)).toEqual({ raw: utf(`{"customer":{"email":"${MASK}"},"region":"eu"}`) });
    expect(resolveGates({ raw: utf(VALUE) }, valueOnly)).toEqual({ raw: utf(`{"customer":{"email":"${MASK}"},"card":{"number":"4111"}}`) });
  });

  it("search filters and exports see the key masked", () => {
    expect(text(filterView(message(utf(KEY)), viewer).key)).not.toContain("a@b.c");
    expect(text(filterView(message(utf(KEY)), operator).key)).toBe(KEY);
    const line = exportLine(visibleMessage(message(utf(KEY)), viewer));
    expect(JSON.parse(line.key!.data)).toEqual({ customer: { email: MASK }, region: "eu" });
    expect(JSON.parse(line.value!.data)).toEqual({ customer: { email: "v@x.y" }, card: { number: MASK } });
    expect(exportLine(visibleMessage(message(utf(KEY)), admin)).key).toEqual({ encoding: "utf8", data: KEY });
  });

  it("a key whose fields key rules hide is not editable; a value rule of the same name does not stop it", async () => {
    const noDecoder = () => null;
    const hidden = await editablePart(message(utf(KEY)), "key", "t", keyOnly, noDecoder);
    expect(hidden).toMatchObject({ editable: false, text: null });
    expect(hidden.note).toMatch(/hide fields of this key/);
    expect(await editablePart(message(utf(KEY)), "key", "t", valueOnly, noDecoder)).toMatchObject({ editable: true, text: KEY });
    expect(await editablePart(message(utf(KEY)), "value", "t", keyOnly, noDecoder)).toMatchObject({ editable: true, text: VALUE });
  });
});
