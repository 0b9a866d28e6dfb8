import { describe, expect, it } from "vitest";
import { toTRPCError } from "~/server/api/errors";
import { ChannelError } from "~/server/alerts/notify/channels";
import { OutOfScope } from "~/server/auth/permissions";
import { FilterSyntaxError } from "~/server/dlq/cel-eval";
import { TooManyScans } from "~/server/dlq/scan-slots";
import { EditInvalid, ReplayRefused } from "~/server/replay/refused";
import { SagaBulkRefused } from "~/server/sagas/bulk";
import { SagaCommandError } from "~/server/sagas/commands";
import { UnknownDatabaseError } from "~/server/sagas/context";

describe("domain errors at the tRPC edge", () => {
  it.each([
    [new ReplayRefused("target gone"), "PRECONDITION_FAILED", "target gone"],
    [new EditInvalid("The edited key does not fit k-key v1 (schema id 3): id: expected a long"), "BAD_REQUEST", "The edited key does not fit k-key v1 (schema id 3): id: expected a long"],
    [new SagaBulkRefused("busy"), "PRECONDITION_FAILED", "busy"],
    [new UnknownDatabaseError('No database "x".'), "NOT_FOUND", 'No database "x".'],
    [new OutOfScope("No group."), "NOT_FOUND", "No group."],
    [new TooManyScans(3), "TOO_MANY_REQUESTS", "You already have 3 filtered scans running (searches, exports or dry runs); wait for one to finish or cancel it."],
    [new ChannelError("bad url"), "BAD_REQUEST", "bad url"],
    [new FilterSyntaxError("no such field: x", "x == 1", 0), "BAD_REQUEST", "Invalid filter: no such field: x at line 1, column 1"],
    [new SagaCommandError("ALREADY_PENDING", "pending"), "CONFLICT", "pending"],
    [new SagaCommandError("NOT_APPLICABLE", "n/a"), "BAD_REQUEST", "n/a"],
    [new SagaCommandError("NOT_FOUND", "gone"), "NOT_FOUND", "gone"],
  ] as const)("%s becomes %s", (error, code, message) => {
    const mapped = toTRPCError(error);
    expect(mapped?.code).toBe(code);
    expect(mapped?.message).toBe(message);
    expect(mapped?.cause).toBe(error);
  });

  it("leaves faults alone (they stay 500s)", () => {
    expect(toTRPCError(new Error("socket hang up"))).toBeNull();
    expect(toTRPCError("string")).toBeNull();
  });
});
