/**
 * How a CEL filter is checked and compiled. Checking (parse + static limits) is cheap and bounded, so the
 * main thread does it to refuse a bad filter at once; compiling and evaluating happen only in the filter
 * worker threads (server/dlq/filter-worker.ts). Loaded by Node directly in the workers (type stripping):
 * erasable TypeScript only, imports with explicit .ts extensions.
 */
import { Environment } from "@marcbachmann/cel-js";
import { RE2JS } from "re2js";
import { celCursor, type FilterRecord } from "./cel-record.ts";
import { DomainError } from "../lib/errors.ts";

/** Longest expression accepted (a 5 MB one took 5.5 s to parse). */
export const MAX_EXPRESSION_CHARS = 10_000;
/** Parser limits: syntax nesting depth and node count. */
export const MAX_NESTING = 32;
export const MAX_AST_NODES = 2_000;
/** Comprehensions (.all, .exists, .exists_one, .map, .filter) nested at most this deep. */
export const MAX_COMPREHENSION_NESTING = 3;
/** Estimated evaluation steps per record, above which a filter is refused. */
export const MAX_COST = 1_000_000;
/** The length assumed for a list whose size is only known at run time (e.g. a payload array). */
export const ASSUMED_LIST_SIZE = 100;
const REGEX_COST = 20;

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);
const RE2_MATCHES = "re2Matches";

export class FilterSyntaxError extends DomainError {
  readonly refusal = "invalid";
  override get publicMessage(): string {
    return `Invalid filter: ${this.message}`;
  }
  readonly position: number;
  readonly line: number;
  readonly column: number;
  constructor(message: string, expression: string, position: number) {
    const before = expression.slice(0, position).split("\n");
    const line = before.length;
    const column = (before.at(-1)?.length ?? 0) + 1;
    super(`${message} at line ${line}, column ${column}`);
    this.name = "FilterSyntaxError";
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

// Compiled RE2 programs by pattern, bounded: a filter uses few patterns, a hostile one many.
const programs = new Map<string, RE2JS>();
function re2(pattern: string): RE2JS {
  let program = programs.get(pattern);
  if (!program) {
    program = RE2JS.compile(pattern);
    if (programs.size >= 256) programs.clear();
    programs.set(pattern, program);
  }
  return program;
}

/**
 * The environment every filter runs in: cel-js's parser limits, undeclared variables as dyn, and
 * `string.re2Matches(string)`: CEL's matches() on re2js, a linear-time RE2 engine (cel-js's own matches()
 * uses the backtracking JavaScript RegExp and cannot be replaced, so check() renames every call).
 */
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  limits: { maxAstNodes: MAX_AST_NODES, maxDepth: MAX_NESTING, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 16 },
}).registerFunction(`string.${RE2_MATCHES}(string): bool`, (text: string, pattern: string) => re2(pattern).matcher(text).find());

interface Node {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && typeof (value as Node).op === "string" && "start" in value;

/** The child nodes of a node, in source order (a literal's value is not a node). */
function children(node: Node): Node[] {
  if (node.op === "value" || node.op === "id") return [];
  const out: Node[] = [];
  const pending: unknown[] = [node.args];
  while (pending.length > 0) {
    const item = pending.pop();
    if (isNode(item)) out.push(item);
    else if (Array.isArray(item)) for (let i = item.length - 1; i >= 0; i--) pending.push(item[i]);
  }
  return out;
}

const isCall = (node: Node, names: Set<string> | string): node is Node & { args: [string, Node, Node[]] } =>
  node.op === "rcall" && Array.isArray(node.args) && (typeof names === "string" ? node.args[0] === names : names.has(node.args[0] as string));

/**
 * Estimated steps for one record: a comprehension costs its list's length (known for a literal, assumed
 * otherwise) times its body. Recursive over the AST, whose depth the parser caps at MAX_NESTING.
 */
function cost(node: Node, expression: string, nesting: number): number {
  if (isCall(node, COMPREHENSIONS)) {
    const [, receiver, args] = node.args;
    if (nesting + 1 > MAX_COMPREHENSION_NESTING) {
      throw new FilterSyntaxError(`Filter refused: comprehensions nested more than ${MAX_COMPREHENSION_NESTING} deep`, expression, node.start);
    }
    const size = receiver.op === "list" && Array.isArray(receiver.args) ? receiver.args.length : receiver.op === "map" && Array.isArray(receiver.args) ? receiver.args.length : ASSUMED_LIST_SIZE;
    const body = args.slice(1).reduce((sum, arg) => sum + cost(arg, expression, nesting + 1), 0);
    return 1 + cost(receiver, expression, nesting) + Math.max(size, 1) * (body + 1);
  }
  const own = isCall(node, "matches") ? REGEX_COST : 1;
  return children(node).reduce((sum, child) => sum + cost(child, expression, nesting), own);
}

/** Every receiver-style matches() call, outermost first. */
function matchesCalls(root: Node): (Node & { args: [string, Node, Node[]] })[] {
  const out: (Node & { args: [string, Node, Node[]] })[] = [];
  const pending: Node[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (isCall(node, "matches")) out.push(node);
    pending.push(...children(node));
  }
  return out;
}

const literal = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? `${item}n` : item));

/** The same tree shape, with matches() in `a` standing for re2Matches() in `b`. */
function sameShape(a: Node, b: Node): boolean {
  const pending: [Node, Node][] = [[a, b]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    const [x, y] = pair;
    if (x.op !== y.op) return false;
    if (x.op === "rcall" || x.op === "call") {
      const nameX = (x.args as unknown[])[0];
      const nameY = (y.args as unknown[])[0];
      if (nameX !== nameY && !(nameX === "matches" && nameY === RE2_MATCHES && x.op === "rcall")) return false;
    } else if (x.op === "value" || x.op === "id" ? literal(x.args) !== literal(y.args) : x.op === "." && (x.args as unknown[])[1] !== (y.args as unknown[])[1]) {
      return false;
    }
    const cx = children(x);
    const cy = children(y);
    if (cx.length !== cy.length) return false;
    cx.forEach((child, i) => pending.push([child, cy[i]!]));
  }
  return true;
}

export interface CheckedFilter {
  /** The expression to evaluate: matches() calls bound to RE2. */
  expression: string;
  cost: number;
}

function parsed(expression: string): Node {
  try {
    return (environment.parse(expression) as unknown as { ast: Node }).ast;
  } catch (error) {
    const node = (error as { node?: { pos?: number } }).node;
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "invalid expression";
    throw new FilterSyntaxError(reason.replace(/^Exceeded maxDepth.*/, `Filter refused: nested more than ${MAX_NESTING} deep`).replace(/^Exceeded maxAstNodes.*/, `Filter refused: more than ${MAX_AST_NODES} terms`), expression, node?.pos ?? 0);
  }
}

/**
 * Parses and checks a filter without evaluating it: size, nesting, estimated cost, and RE2 syntax of literal
 * regular expressions (RE2 has no backreferences or lookaround, so `(a)\1` is refused here, with its position).
 */
export function checkExpression(expression: string): CheckedFilter {
  if (expression.length > MAX_EXPRESSION_CHARS) {
    throw new FilterSyntaxError(`Filter refused: ${expression.length.toLocaleString("en")} characters (the limit is ${MAX_EXPRESSION_CHARS.toLocaleString("en")})`, expression, 0);
  }
  const ast = parsed(expression);
  const estimate = cost(ast, expression, 0);
  if (estimate > MAX_COST) {
    throw new FilterSyntaxError(
      `Filter refused: about ${estimate.toLocaleString("en")} steps per record (the limit is ${MAX_COST.toLocaleString("en")}); nest fewer .all()/.exists()/.map()/.filter() or iterate shorter lists`,
      expression,
      0,
    );
  }
  const calls = matchesCalls(ast);
  if (calls.length === 0) return { expression, cost: estimate };
  const names: number[] = [];
  for (const call of calls) {
    const [, receiver, args] = call.args;
    const pattern = args[0];
    if (pattern?.op === "value" && typeof pattern.args === "string") {
      try {
        re2(pattern.args);
      } catch (error) {
        throw new FilterSyntaxError(`matches(): not an RE2 regular expression (${error instanceof Error ? error.message : String(error)})`, expression, pattern.start);
      }
    }
    const name = expression.lastIndexOf("matches", pattern ? pattern.start : call.end);
    if (name < receiver.end) throw new FilterSyntaxError("matches(): cannot bind this call to RE2", expression, call.start);
    names.push(name);
  }
  // Rename the `matches` token of each call, last first so the earlier positions stay valid.
  let rewritten = expression;
  for (const name of names.sort((a, b) => b - a)) rewritten = `${rewritten.slice(0, name)}${RE2_MATCHES}${rewritten.slice(name + "matches".length)}`;
  if (!sameShape(ast, parsed(rewritten))) throw new FilterSyntaxError("matches(): cannot bind these calls to RE2", expression, calls[0]!.start);
  return { expression: rewritten, cost: estimate };
}

/**
 * A checked expression as a predicate over records (worker threads only). A record on which it fails
 * (e.g. a field it lacks) or yields a non-boolean does not match.
 */
export function compileExpression(checked: string): (record: FilterRecord) => boolean {
  const evaluate = environment.parse(checked) as unknown as (context: unknown) => unknown;
  // One context for every record: evaluation is synchronous and answers a boolean, keeping nothing of it.
  const cursor = celCursor();
  return (record) => {
    cursor.set(record);
    try {
      return evaluate(cursor.context) === true;
    } catch {
      return false;
    }
  };
}
