import { Environment, type TypeCheckResult } from "@marcbachmann/cel-js";
import { checkExpression, FilterSyntaxError } from "./cel-eval";

/**
 * Type-checks a search filter against the variables a record really has, before any message is read: a
 * misspelt field (`record.error.exceptionClas`) is refused with its line and column instead of silently
 * matching nothing, and an expression that cannot yield true or false is refused too. Kept apart from the
 * evaluation in filter.ts, which only needs to run what passed here. Nullable fields are `dyn`.
 */
const recordSchema = {
  partition: "dyn",
  offset: "dyn",
  timestampMs: "int",
  key: "dyn",
  keyAsText: "dyn",
  value: "dyn",
  valueAsText: "dyn",
  headers: "map<string, string>",
  error: {
    exceptionClass: "dyn",
    causeClass: "dyn",
    message: "dyn",
    stacktrace: "dyn",
    originTopic: "dyn",
    originPartition: "dyn",
    originOffset: "dyn",
    consumerGroup: "dyn",
    sourceQueue: "dyn",
    attempts: "dyn",
    fingerprint: "string",
  },
} as const;

let environment: Environment | undefined;

/** Built once: an environment is expensive to create and immutable in use. */
function env(): Environment {
  return (environment ??= new Environment().registerVariable({ name: "record", schema: recordSchema }));
}

/** Throws FilterSyntaxError (with line and column) when the expression does not parse or does not type-check. */
export function checkFilter(expression: string): void {
  // Size, nesting and cost first: the type check parses the text on this thread.
  checkExpression(expression);
  let result: TypeCheckResult;
  try {
    result = env().check(expression);
  } catch (error) {
    result = { valid: false, error: error as TypeCheckResult["error"] };
  }
  if (result.valid) {
    if (result.type !== "bool" && result.type !== "dyn") {
      throw new FilterSyntaxError(`the filter must give true or false, this one gives ${result.type}`, expression, 0);
    }
    return;
  }
  const error = result.error as (Error & { node?: { pos?: number } }) | undefined;
  const pos = error?.node?.pos ?? 0;
  const reason = (error?.message ?? "invalid expression").split("\n")[0]!.replace(/^No such key: /, "no such field: ");
  throw new FilterSyntaxError(reason, expression, pos);
}
