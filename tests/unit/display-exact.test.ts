import { describe, expect, it } from "vitest";
import { visibleString } from "~/components/dlq/visible-text";
import { displayBytes } from "~/server/dlq/bytes";
import { maskBytes, MASK } from "~/server/dlq/masking";
import { detail, summarise, type RawDlqMessage } from "~/server/dlq/messages";
import { formatJsonText, topLevelEntries } from "~/server/lib/json-text";

const utf = (text: string) => Buffer.from(text, "utf8");
const MAX_LONG = "9223372036854775807";
const deep = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;

describe("JSON shown as written", () => {
  it("indents like JSON.stringify(value, null, 2) for ordinary JSON", () => {
    for (const value of [{ a: 1, b: [true, null, "x"], c: {}, d: [], e: { f: -2.5e-3 } }, [1, [2, [3]]], "s", 0]) {
      expect(formatJsonText(JSON.stringify(value))).toBe(JSON.stringify(value, null, 2));
    }
  });

  it("keeps numbers and strings exactly as written", () => {
    expect(formatJsonText(`{"id": ${MAX_LONG}, "x": 1.50, "y": 1E+2, "s": "a\\u00e9\\"b"}`)).toBe(`{\n  "id": ${MAX_LONG},\n  "x": 1.50,\n  "y": 1E+2,\n  "s": "a\\u00e9\\"b"\n}`);
  });

  it("returns null (show as written) past the indent depth, without recursion", () => {
    expect(formatJsonText(deep(100_000))).toBeNull();
    expect(formatJsonText(deep(3))).toBe("[\n  [\n    [\n      1\n    ]\n  ]\n]");
  });

  it("splits top-level members as written, with their sizes", () => {
    expect(topLevelEntries(`{"id": ${MAX_LONG}, "items": [1, [2, 3], {"a": 1}], "o": {"a": {"b": 1}, "c": 2}, "e": []}`)).toEqual([
      { key: '"id"', value: MAX_LONG, size: null },
      { key: '"items"', value: '[1, [2, 3], {"a": 1}]', size: 3 },
      { key: '"o"', value: '{"a": {"b": 1}, "c": 2}', size: 2 },
      { key: '"e"', value: "[]", size: 0 },
    ]);
    expect(topLevelEntries('["a", 2]')).toEqual([
      { key: "0", value: '"a"', size: null },
      { key: "1", value: "2", size: null },
    ]);
    expect(topLevelEntries(deep(50_000))).toHaveLength(1);
    expect(topLevelEntries("42")).toBeNull();
  });
});

describe("a hostile record's detail and preview", () => {
  const message = (value: string, key = "k"): RawDlqMessage => ({ id: "0:1", partition: 0, offset: 1, timestampMs: 0, key: utf(key), value: utf(value), headers: new Map([["h\u202e", utf("v\u200b")]]), headerEntries: [["h\u202e", utf("v\u200b")]], failure: null });
  const access = { payloads: true, masks: [] };

  it("answers a payload nested 10,000 levels deep, shown as written", () => {
    const value = `{"id": ${MAX_LONG}, "deep": ${deep(10_000)}}`;
    const shown = detail(message(value), access);
    expect(shown.value).toMatchObject({ encoding: "json", text: value });
    expect(displayBytes(utf(value), 1 << 20).text).toBe(value);
  });

  it("shows integers beyond 2^53 exactly in previews and detail", () => {
    const value = `{"orderId": ${MAX_LONG}, "n": 18014398509481985}`;
    expect(summarise(message(value), access).valuePreview).toContain(MAX_LONG);
    expect(detail(message(value), access).value?.text).toBe(`{\n  "orderId": ${MAX_LONG},\n  "n": 18014398509481985\n}`);
  });

  it("keeps integers exact under masking, and withholds a payload too deep to mask", () => {
    const masks = { payloads: true, masks: [{ part: "value" as const, path: ["card"] }] };
    expect(maskBytes(utf(`{"id": ${MAX_LONG}, "card": "4111"}`), masks, "value")!.toString()).toBe(`{"id":${MAX_LONG},"card":"${MASK}"}`);
    expect(maskBytes(utf(`{"card": "4111", "deep": ${deep(20_000)}}`), masks, "value")!.toString()).toBe(JSON.stringify(MASK));
  });

  it("keeps invisible characters in keys and headers as data, and the browser shows them as badges", () => {
    const shown = detail(message("{}", "\u202egnp.exe"), access);
    expect(shown.key?.text).toBe("\u202egnp.exe");
    expect(shown.headers[0]).toMatchObject({ name: "h\u202e", value: { text: "v\u200b" } });
    expect(visibleString("\u202egnp.exe")).toBe("⟨U+202E⟩gnp.exe");
    expect(visibleString("a\u200bb\u2066c\ufeffd\u0085e\u{e0041}")).toBe("a⟨U+200B⟩b⟨U+2066⟩c⟨U+FEFF⟩d⟨U+0085⟩e⟨U+E0041⟩");
    expect(visibleString("plain é 中文 עברית")).toBe("plain é 中文 עברית");
  });
});
