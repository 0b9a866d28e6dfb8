import { describe, expect, it } from "vitest";
import { formatLogPosition, logPositionIds, opaqueIds, parseLogPosition } from "~/server/lib/message-id";
import { errorMessage } from "~/server/lib/errors";

describe("partition:offset ids", () => {
  it("reads what it writes", () => {
    expect(parseLogPosition(formatLogPosition({ partition: 3, offset: 1042 }))).toEqual({ partition: 3, offset: 1042 });
    expect(logPositionIds.parse(logPositionIds.format({ partition: 0, offset: 0 }))).toEqual({ partition: 0, offset: 0 });
  });

  it("writes a client's string or bigint offset as is", () => {
    expect(formatLogPosition({ partition: 1, offset: "9007199254740993" })).toBe("1:9007199254740993");
    expect(formatLogPosition({ partition: 1, offset: 12n })).toBe("1:12");
  });

  it.each(["", "1", ":1", "1:", "-1:2", "1:-2", "1:2:3", "a:1", "1.5:2", " 1:2"])("refuses %j", (id) => {
    expect(parseLogPosition(id)).toBeNull();
  });

  it("opaque ids are any non-empty string, unchanged", () => {
    expect(opaqueIds.parse("abc-123:x")).toBe("abc-123:x");
    expect(opaqueIds.parse("")).toBeNull();
  });
});

describe("errorMessage", () => {
  it("finds the message of an AggregateError in its parts", () => {
    expect(errorMessage(new AggregateError([new Error("ECONNREFUSED ::1"), new Error("ECONNREFUSED 127.0.0.1")]))).toBe("ECONNREFUSED ::1; ECONNREFUSED 127.0.0.1");
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
  });
});
