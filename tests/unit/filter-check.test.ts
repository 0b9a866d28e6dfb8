import { describe, expect, it } from "vitest";
import { FilterSyntaxError } from "~/server/dlq/filter";
import { checkFilter } from "~/server/dlq/filter-check";

function refusal(expression: string): FilterSyntaxError {
  try {
    checkFilter(expression);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`"${expression}" was accepted`);
}

describe("filter type check (before any message is read)", () => {
  it.each([
    'record.error.exceptionClass.contains("Timeout")',
    "record.value.amount > 100 && record.offset < 10",
    'record.headers["x-tenant"] == "acme"',
    'record.error.fingerprint == "0123456789abcdef"',
    "record.error.exceptionClass == null",
    'record.keyAsText.startsWith("order-") || record.valueAsText.contains("x")',
    "record.timestampMs > 1700000000000 && record.partition == 0",
  ])("accepts %s", (expression) => {
    expect(() => checkFilter(expression)).not.toThrow();
  });

  it("refuses a misspelt field with its line and column", () => {
    const error = refusal('record.offset >= 0 &&\n  record.error.exceptionClas == "x"');
    expect(error.message).toBe("no such field: exceptionClas at line 2, column 16");
    expect([error.line, error.column]).toEqual([2, 16]);
  });

  it("refuses an unknown variable and a misspelt record field", () => {
    expect(refusal("recrod.offset > 1").message).toMatch(/^Unknown variable: recrod at line 1, column 1$/);
    expect(refusal("record.ofset > 1").message).toMatch(/^no such field: ofset/);
  });

  it("refuses an expression that cannot be true or false", () => {
    expect(refusal("record.timestampMs + 1").message).toBe("the filter must give true or false, this one gives int at line 1, column 1");
  });

  it("refuses a syntax error", () => {
    expect(refusal("record.offset ==").message).toMatch(/at line 1, column \d+$/);
  });
});
