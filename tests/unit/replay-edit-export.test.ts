import { describe, expect, it } from "vitest";
import { decodeBytes, encodeBytes, exportLine, visibleMessage } from "~/server/dlq/export";
import type { RawDlqMessage } from "~/server/dlq/messages";
import {
  applyAttributeEdits,
  applyHeaderEdits,
  changedJsonPaths,
  headerDiff,
  masksHideFields,
  validateEditedValue,
  valueDiff,
} from "~/server/replay/edit";

const bytes = (text: string) => Buffer.from(text, "utf8");
const headers = (entries: Record<string, string | null>) => new Map(Object.entries(entries).map(([k, v]) => [k, v === null ? null : bytes(v)]));

describe("edit: payload validation", () => {
  it("requires valid JSON only when the original is JSON, and says why", () => {
    expect(() => validateEditedValue(bytes('{"a":1}'), '{"a":2}')).not.toThrow();
    expect(() => validateEditedValue(bytes('{"a":1}'), "{a:2}")).toThrow(/^The original payload is JSON, and the edited payload is not valid JSON: .+/);
    expect(() => validateEditedValue(bytes("plain text"), "{not json")).not.toThrow();
    expect(() => validateEditedValue(null, "{not json")).not.toThrow();
    expect(() => validateEditedValue(Buffer.from([0xff, 0x00]), "x")).not.toThrow();
  });
});

describe("edit: diff", () => {
  it("lists changed JSON leaves by path", () => {
    expect(changedJsonPaths({ a: 1, b: { c: [1, 2] }, d: "x" }, { a: 1, b: { c: [1, 3] }, e: true })).toEqual(["b.c.1", "d", "e"]);
    expect(changedJsonPaths([1], { 0: 1 })).toEqual(["$"]);
  });

  it("is null for the same bytes, text otherwise, hex for binary, cut at the limit", () => {
    expect(valueDiff(bytes("same"), bytes("same"))).toBeNull();
    expect(valueDiff(bytes('{"a":1}'), bytes('{"a":2}'))).toEqual({ before: '{"a":1}', after: '{"a":2}', truncated: false, changedPaths: ["a"] });
    expect(valueDiff(Buffer.from([0xff]), bytes("x"))).toMatchObject({ before: "0xff", after: "x", changedPaths: null });
    expect(valueDiff(null, bytes("x"))).toMatchObject({ before: "(null)" });
    expect(valueDiff(bytes("a".repeat(10)), bytes("b".repeat(10)), 4)).toMatchObject({ before: "aaaa", after: "bbbb", truncated: true });
  });

  it("splits header changes into added, removed and changed", () => {
    const before = headers({ a: "1", b: "2", c: null });
    const after = applyHeaderEdits(before, { set: [{ name: "b", value: "3" }, { name: "d", value: "4" }], remove: ["a"] });
    expect(headerDiff(before, after)).toEqual({ added: [{ name: "d", value: "4" }], removed: ["a"], changed: [{ name: "b", before: "2", after: "3" }] });
    expect(() => applyHeaderEdits(before, { set: [{ name: "redrive-replay-count", value: "0" }] })).toThrow(/set by Redrive/);
  });

  it("keeps repeated header names in order: by-name edits touch the last one, a list edits each in place", () => {
    const before: [string, Uint8Array | null][] = [["trace", bytes("first")], ["a", bytes("1")], ["trace", bytes("second")], ["bin", Buffer.from([0xff])]];
    const text = (entries: [string, Uint8Array | null][]) => entries.map(([name, value]) => [name, value && Buffer.from(value).toString("latin1")]);
    expect(text(applyHeaderEdits(before, { set: [{ name: "trace", value: "2nd" }] }))).toEqual([["trace", "first"], ["a", "1"], ["trace", "2nd"], ["bin", "\xff"]]);
    expect(text(applyHeaderEdits(before, { remove: ["trace"] }))).toEqual([["a", "1"], ["bin", "\xff"]]);
    const listed = applyHeaderEdits(before, {
      list: [{ from: 0, name: "trace", value: "one" }, { from: 2, name: "trace" }, { from: 3, name: "bin" }, { from: null, name: "trace", value: "three" }],
    });
    expect(text(listed)).toEqual([["trace", "one"], ["trace", "second"], ["bin", "\xff"], ["trace", "three"]]);
    expect(headerDiff(before, listed)).toEqual({ added: [], removed: ["a"], changed: [{ name: "trace", before: "[first, second]", after: "[one, second, three]" }] });
    expect(() => applyHeaderEdits(before, { list: [{ from: 9, name: "x" }] })).toThrow(/no header number 10/);
    expect(() => applyHeaderEdits(before, { list: [{ from: null, name: "redrive-replay-id", value: "x" }] })).toThrow(/set by Redrive/);
  });

  it("edits SQS attributes keeping their data types, refusing binary text and bad numbers", () => {
    const original = { a: { dataType: "Number", value: "1" }, b: { dataType: "Binary", value: "AAE=" }, c: { dataType: "String", value: "x" } };
    expect(applyAttributeEdits(original, { set: [{ name: "a", value: "2" }], remove: ["c"] })).toEqual({ a: { dataType: "Number", value: "2" }, b: original.b });
    expect(() => applyAttributeEdits(original, { set: [{ name: "a", value: "two" }] })).toThrow(/not a number/);
    expect(applyAttributeEdits(original, { set: [{ name: "b", value: "text" }] }).b).toEqual({ dataType: "String", value: "text" });
    expect(() => applyAttributeEdits(original, { set: [{ name: "redrive", value: "{}" }] })).toThrow(/replay metadata/);
  });

  it("knows when masks hide a field of a payload (not just reformat it)", () => {
    const access = { payloads: true, masks: [{ part: "value" as const, path: ["card", "number"] }] };
    expect(masksHideFields(bytes('{ "card": { "number": "4111" } }'), access, "value")).toBe(true);
    expect(masksHideFields(bytes('{\n  "order": 1\n}'), access, "value")).toBe(false);
    expect(masksHideFields(bytes("not json"), access, "value")).toBe(false);
    expect(masksHideFields(bytes('{"card":{"number":"4111"}}'), { payloads: true, masks: [] }, "value")).toBe(false);
  });
});

describe("export: bytes", () => {
  it("keeps valid UTF-8 as text and everything else as base64, both round-tripping exactly", () => {
    for (const sample of [Buffer.from([0, 0xff, 0xc3, 0x28]), Buffer.alloc(0), bytes("héllo \u0000 ✓"), bytes("\ufeffbom"), Buffer.from([0xed, 0xa0, 0x80])]) {
      const encoded = encodeBytes(sample);
      expect(Buffer.compare(decodeBytes(encoded)!, sample)).toBe(0);
      expect(decodeBytes(JSON.parse(JSON.stringify(encoded)) as typeof encoded)!.equals(sample)).toBe(true);
    }
    expect(encodeBytes(bytes("abc"))).toEqual({ encoding: "utf8", data: "abc" });
    expect(encodeBytes(Buffer.from([0xff]))).toEqual({ encoding: "base64", data: "/w==" });
    expect(encodeBytes(null)).toBeNull();
    expect(decodeBytes(null)).toBeNull();
  });

  it("writes one line per message in the documented shape, withholding payloads as the views do", () => {
    const message: RawDlqMessage = {
      id: "0:5",
      partition: 0,
      offset: 5,
      timestampMs: 1_700_000_000_000,
      key: null,
      value: bytes('{"card":{"number":"4111"}}'),
      headers: headers({ "trace-id": "t", "kafka_dlt-exception-fqcn": "E" }),
      headerEntries: [...headers({ "trace-id": "t", "kafka_dlt-exception-fqcn": "E" })],
      failure: null,
    };
    expect(exportLine(visibleMessage(message, { payloads: true, masks: [{ part: "value", path: ["card", "number"] }] }))).toEqual({
      id: "0:5",
      partition: 0,
      offset: 5,
      timestamp: 1_700_000_000_000,
      key: null,
      value: { encoding: "utf8", data: '{"card":{"number":"****"}}' },
      headers: { "trace-id": { encoding: "utf8", data: "t" }, "kafka_dlt-exception-fqcn": { encoding: "utf8", data: "E" } },
      headerList: [
        ["trace-id", { encoding: "utf8", data: "t" }],
        ["kafka_dlt-exception-fqcn", { encoding: "utf8", data: "E" }],
      ],
    });
    expect(exportLine(visibleMessage(message, { payloads: false, masks: [] }))).toMatchObject({
      value: null,
      headers: { "trace-id": null, "kafka_dlt-exception-fqcn": { encoding: "utf8", data: "E" } },
    });
  });
});
