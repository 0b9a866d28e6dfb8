import { describe, expect, it } from "vitest";
import { isFailureHeader, isFailureHeaderBytes } from "~/server/dlq/messages";
import { rawReplayHeaders, replayCountOf, replayHeaders } from "~/server/replay/headers";

type Header = [string, Buffer | null];

const b = (text: string) => Buffer.from(text);
const text = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value).toString("latin1"));
const asText = (headers: [string | Buffer, Uint8Array | null][]) => headers.map(([name, value]) => [typeof name === "string" ? name : name.toString("utf8"), text(value)]);

/** What the message-object path writes: replayCountOf over the last values, replayHeaders over the entries. */
function viaMessage(headers: Header[], keepErrorHeaders: boolean) {
  const previousCount = replayCountOf(new Map(headers));
  const written = replayHeaders(headers, { replayId: "id-1", count: previousCount + 1, from: "orders.DLQ/0:7", keepErrorHeaders });
  return { previousCount, headers: asText(written) };
}

function viaBytes(headers: Header[], keepErrorHeaders: boolean) {
  const raw = headers.map(([name, value]): [Buffer, Buffer | null] => [b(name), value]);
  const result = rawReplayHeaders(raw, { replayId: "id-1", from: "orders.DLQ/0:7", keepErrorHeaders });
  return { previousCount: result.previousCount, headers: asText(result.headers) };
}

const cases: Record<string, Header[]> = {
  spring: [
    ["kafka_dlt-original-topic", b("orders")],
    ["kafka_dlt-exception-message", b("boom")],
    ["traceparent", b("00-abc")],
  ],
  "an earlier replay": [
    ["redrive-replay-id", b("old")],
    ["redrive-replay-count", b("2")],
    ["redrive-replayed-from", b("orders.DLQ/1:2")],
    ["tenant", b("a")],
  ],
  "repeated names, the last count wins": [
    ["tenant", b("a")],
    ["redrive-replay-count", b("1")],
    ["tenant", b("b")],
    ["redrive-replay-count", b("3")],
  ],
  "null values, an empty name, non-ASCII and look-alike names": [
    ["", b("empty")],
    ["x-attempts", b("4")],
    ["x-attempts-left", b("1")],
    ["kafka_dlt", b("no dash")],
    ["__connect.errors.topic", null],
    ["ré-essai", b("é")],
    ["redrive-replay-count", null],
  ],
  "a count that is not a number": [["redrive-replay-count", b("three")]],
};

describe("rawReplayHeaders (a bulk copy's header names as bytes)", () => {
  for (const [name, headers] of Object.entries(cases)) {
    for (const keep of [false, true]) {
      it(`writes what replayHeaders writes and reads the count as replayCountOf: ${name}${keep ? ", error headers kept" : ""}`, () => {
        expect(viaBytes(headers, keep)).toEqual(viaMessage(headers, keep));
      });
    }
  }

  it("passes the kept names on as the fetched bytes themselves (no copy)", () => {
    const name = b("tenant");
    const { headers } = rawReplayHeaders([[name, b("a")]], { replayId: "id", from: "f", keepErrorHeaders: false });
    expect(headers[0]![0]).toBe(name);
  });

  it("judges failure headers by their bytes as isFailureHeader does by their text", () => {
    for (const header of ["kafka_dlt-x", "kafka_dlt-", "kafka_dlt", "__connect.errors.", "__connect.errors", "x-attempts", "x-attempts ", "X-attempts", "", "ré"]) {
      expect(isFailureHeaderBytes(b(header)), header).toBe(isFailureHeader(header));
    }
  });
});
