import { describe, expect, it } from "vitest";
import { checkExpression, compileExpression, FilterSyntaxError, MAX_COST, MAX_EXPRESSION_CHARS } from "~/server/dlq/cel-eval";
import type { FilterRecord } from "~/server/dlq/cel-record";

const record = (key: string, value = "{}"): FilterRecord => ({
  partition: 0,
  offset: 0,
  timestampMs: 0,
  key: Buffer.from(key),
  value: Buffer.from(value),
  headers: new Map(),
  failure: null,
});
const run = (expression: string, r: FilterRecord) => compileExpression(checkExpression(expression).expression)(r);
const refusal = (expression: string) => {
  try {
    checkExpression(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterSyntaxError);
    return (error as Error).message;
  }
  throw new Error(`${expression} was accepted`);
};
const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(",")}]`;

describe("filter checks", () => {
  it("refuses oversized expressions, deep nesting and too many terms before parsing them fully", () => {
    expect(refusal("true".padEnd(MAX_EXPRESSION_CHARS + 1, " "))).toMatch(/10,001 characters \(the limit is 10,000\)/);
    expect(refusal(`${"(".repeat(40)}1${")".repeat(40)} == 1`)).toMatch(/nested more than 32 deep at line 1, column \d+/);
    expect(refusal(Array.from({ length: 1_100 }, () => "1==1").join("&&"))).toMatch(/more than 2000 terms/);
  });

  it("estimates cost from comprehensions over list sizes and refuses what is too costly", () => {
    expect(checkExpression(`${list(200)}.all(a, ${list(200)}.all(b, a != b))`).cost).toBeLessThan(MAX_COST);
    expect(refusal(`${list(200)}.all(a, ${list(200)}.all(b, ${list(200)}.all(c, a + b + c >= 0)))`)).toMatch(/about [\d,]+ steps per record \(the limit is 1,000,000\)/);
    // Lists known only at run time are assumed to hold 100 elements: two levels pass, three do not.
    expect(checkExpression("record.value.a.all(x, record.value.a.exists(y, x == y))").cost).toBeGreaterThan(10_000);
    expect(refusal("record.value.a.all(x, record.value.a.all(y, record.value.a.all(z, x == z)))")).toMatch(/steps per record/);
    expect(refusal("[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))")).toMatch(/comprehensions nested more than 3 deep/);
  });

  it("reports syntax errors with line and column", () => {
    expect(refusal("record.value.amount > 10 &&\n  (record.partition")).toMatch(/line 2, column 20/);
  });
});

describe("matches() on RE2", () => {
  it("binds every matches() call, wherever it is, to RE2 and keeps the rest of the expression as written", () => {
    const checked = checkExpression('(record.keyAsText).matches("^a") && [1].exists(x, "ab".matches(("b$")))');
    expect(checked.expression).toBe('(record.keyAsText).re2Matches("^a") && [1].exists(x, "ab".re2Matches(("b$")))');
  });

  it("is a partial match, as CEL specifies (RE2 find), with RE2 syntax", () => {
    expect(run('record.keyAsText.matches("rde")', record("order-1"))).toBe(true);
    expect(run('record.keyAsText.matches("^rde")', record("order-1"))).toBe(false);
    expect(run('record.keyAsText.matches("^order-\\\\d+$")', record("order-1"))).toBe(true);
    expect(run('record.keyAsText.matches("(?i)ORDER")', record("order-1"))).toBe(true);
    expect(run('record.keyAsText.matches("\\\\pL+-\\\\pN")', record("order-1"))).toBe(true);
  });

  it("refuses what RE2 does not support (backreferences, lookaround) at check time", () => {
    expect(refusal('record.keyAsText.matches("(a)\\\\1")')).toMatch(/not an RE2 regular expression.*line 1, column 26/);
    expect(refusal('record.keyAsText.matches("a(?=b)")')).toMatch(/not an RE2 regular expression/);
  });

  it("runs a catastrophic pattern in linear time", () => {
    const began = performance.now();
    expect(run('record.keyAsText.matches("(a+)+$")', record(`${"a".repeat(50_000)}!`))).toBe(false);
    expect(performance.now() - began).toBeLessThan(2_000);
  });

  it("treats a pattern only known at run time that RE2 rejects as no match", () => {
    expect(run("record.keyAsText.matches(record.keyAsText)", record("(a)\\1"))).toBe(false);
  });

  it("compares integers beyond 2^53 exactly", () => {
    const big = record("k", '{"id": 9223372036854775807}');
    expect(run("record.value.id == 9223372036854775807", big)).toBe(true);
    expect(run("record.value.id == 9223372036854775806", big)).toBe(false);
    // Only the integral number beyond 2^53 sends the payload through the exact parse; others stay as parsed.
    const mixed = record("k", '{"a": [1, {"b": 9223372036854775807}], "f": 1.5, "huge": 1e300, "card": "4111111111111111"}');
    expect(run("record.value.a[1].b == 9223372036854775807 && record.value.a[0] == 1 && record.value.f == 1.5 && record.value.huge == 1e300", mixed)).toBe(true);
    expect(run('record.value.card == "4111111111111111"', mixed)).toBe(true);
    const beyondInt64 = record("k", '{"n": 99999999999999999999}');
    expect(run("record.value.n == 1e20", beyondInt64)).toBe(true);
  });
});
