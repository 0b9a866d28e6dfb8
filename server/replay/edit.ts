/**
 * Edit and replay: an operator changes the payload, the record key (Kafka) and/or the headers (Kafka) or message
 * attributes (SQS) of one dead letter and replays the edited copy, with the same replay headers, metadata and
 * loop guard as a plain replay. The ledger row says "edit"; the result carries a compact diff for the audit log.
 */
import { subscriberOf } from "./sns-replay";
import type { SnsDeliveryFailure } from "~/server/brokers/sqs/sns";
import { randomUUID } from "node:crypto";
import { isUtf8 } from "node:buffer";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import type { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import { asText, parseJson } from "~/server/dlq/bytes";
import { sqsFailure } from "~/server/dlq/failure";
import { kafkaMessage } from "~/server/dlq/kafka-dlq";
import { maskBytes, masksHideFields, type MaskPath, type PayloadAccess } from "~/server/dlq/masking";

export { masksHideFields };
import {
  DEFAULT_REPLAY_LIMIT,
  replayCountOf,
  replayHeaders,
  REPLAY_COUNT,
  REPLAY_ID,
  REPLAYED_FROM,
  SQS_REPLAY_ATTRIBUTE,
  sqsReplayMetadata,
} from "./headers";
import { refuseMissingTarget } from "./audience";
import { refuseAborted } from "./refused";
import { ReplayRefused, type ReplayResult } from "./replay-one";
import { sendSqsCopy, withReceivedSqsMessage } from "./sqs-receive";
import { formatLogPosition } from "~/server/lib/message-id";
import type { RecordPart, SchemaDecoder } from "~/server/schemas";
import { EditInvalid } from "./refused";
import { PART_WORDS, reencodePart, type RecordPartBytes, type SchemaChange } from "./schema-edit";

/** What the operator changed. Undefined parts stay as they were, byte for byte. */
export interface MessageEdit {
  /** The new payload as UTF-8 text (a schema-encoded Kafka value: the edited JSON, re-encoded). */
  value?: string;
  /** A schema-encoded Kafka value: the subject's version to encode the copy with (default: the writer's schema). */
  schemaVersion?: number;
  /**
   * Kafka: the new record key as UTF-8 text (a schema-encoded key: the edited JSON, re-encoded). Undefined keeps
   * the original key bytes exactly. A new key may send the copy to another partition than the original's.
   */
  key?: string;
  /** A schema-encoded Kafka key: the version of `<topic>-key` to encode the copy's key with (default: the writer's). */
  keySchemaVersion?: number;
  /**
   * Headers (Kafka) or message attributes (SQS) to set (added or replaced) and to remove, by name; or, Kafka
   * only, `list`: every header of the copy in order, each either an original header by its index (its bytes
   * kept unless a new text value is given, renamed if the name differs) or a new one (`from` null). A list
   * is how repeated header names are edited one by one and keep their order.
   */
  headers?: { set?: { name: string; value: string; dataType?: string }[]; remove?: string[]; list?: HeaderListEntry[] };
}

export interface HeaderListEntry {
  /** Index of the original header this row is (null: a header the operator added). */
  from: number | null;
  name: string;
  /** New text value; undefined keeps the original bytes. */
  value?: string;
}

type HeaderEntries = Iterable<readonly [string, Uint8Array | null]>;

export type PartDiff = { before: string; after: string; truncated: boolean; changedPaths: string[] | null } | null;

export interface EditDiff {
  value: PartDiff;
  headers: { added: { name: string; value: string }[]; removed: string[]; changed: { name: string; before: string; after: string }[] };
  /** A schema-encoded value: the value diff compares the decoded JSON; this names the schema before and after. */
  schema?: SchemaChange;
  /** Kafka, only when the key changed: the key before and after (a schema-encoded key: its decoded JSON). */
  key?: PartDiff;
  /** A re-encoded schema-encoded key: its schema before and after. */
  keySchema?: SchemaChange;
}

export interface EditResult extends ReplayResult {
  diff: EditDiff;
}

export interface EditOptions {
  target?: string;
  overrideLoopGuard?: boolean;
  keepErrorHeaders?: boolean;
  replayedBy: string;
  /** The operator's note, kept in the ledger's reason column. */
  note?: string;
  /** The caller's payload access: an edit needs payload access, and a payload edit must not overwrite masked fields. */
  access: PayloadAccess;
  /** Every masking rule, exemptions ignored: the diff kept in the audit log is masked for its least privileged reader. */
  auditMasks: MaskPath[];
  /** Kafka: the connection's schema registry decoder (a schema-encoded key or value is edited as JSON and re-encoded). */
  schemaDecoder?: SchemaDecoder | null;
}

const RESERVED = new Set([REPLAY_ID, REPLAY_COUNT, REPLAYED_FROM]);
/** Diff texts kept in the audit log are cut at this many characters. */
const DIFF_TEXT_LIMIT = 2_000;
const HEADER_TEXT_LIMIT = 200;
const MAX_CHANGED_PATHS = 50;

// ---- Pure helpers (unit-tested) --------------------------------------------------------------------------

/** Whether a payload counts as JSON, by the rule the DLQ views use to show it as JSON. */
export function isJsonPayload(bytes: Uint8Array | null): boolean {
  if (!bytes || bytes.length === 0) return false;
  const text = asText(bytes);
  return text !== null && parseJson(text).ok;
}

/** Refuses (as invalid input) an edited payload or key that is not valid JSON when the original was JSON, with the parser's reason. */
export function validateEditedValue(original: Uint8Array | null, edited: string, part: RecordPart = "value"): void {
  if (!isJsonPayload(original)) return;
  try {
    JSON.parse(edited);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const noun = part === "value" ? "payload" : "key";
    throw new EditInvalid(`The original ${noun} is JSON, and the edited ${noun} is not valid JSON: ${reason}`);
  }
}

/** Text of some bytes for a diff: UTF-8 when valid, else "0x" and hex; cut at `limit` characters. */
export function diffText(bytes: Uint8Array | null, limit: number): { text: string; truncated: boolean } {
  if (bytes === null) return { text: "(null)", truncated: false };
  const full = isUtf8(bytes) ? Buffer.from(bytes).toString("utf8") : `0x${Buffer.from(bytes).toString("hex")}`;
  return full.length > limit ? { text: full.slice(0, limit), truncated: true } : { text: full, truncated: false };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** Dot paths of the JSON leaves that differ (arrays by index), at most `limit`. */
export function changedJsonPaths(before: unknown, after: unknown, limit = MAX_CHANGED_PATHS): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= limit) return;
    const aObject = a !== null && typeof a === "object";
    const bObject = b !== null && typeof b === "object";
    if (aObject && bObject && Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || "$");
  };
  walk(before, after, "");
  return out;
}

/** The payload (or key) part of the diff: null when the bytes did not change. */
export function valueDiff(before: Uint8Array | null, after: Uint8Array | null, limit = DIFF_TEXT_LIMIT): PartDiff {
  if (sameBytes(before, after)) return null;
  const b = diffText(before, limit);
  const a = diffText(after, limit);
  let changedPaths: string[] | null = null;
  if (isJsonPayload(before) && isJsonPayload(after)) {
    changedPaths = changedJsonPaths(JSON.parse(Buffer.from(before!).toString("utf8")), JSON.parse(Buffer.from(after!).toString("utf8")));
  }
  return { before: b.text, after: a.text, truncated: b.truncated || a.truncated, changedPaths };
}

/** Each name's values in order: how headers with repeated names are compared. */
function valuesByName(entries: HeaderEntries): Map<string, (Uint8Array | null)[]> {
  const byName = new Map<string, (Uint8Array | null)[]>();
  for (const [name, value] of entries) byName.set(name, [...(byName.get(name) ?? []), value]);
  return byName;
}

/** Added, removed and changed headers between two header lists (a repeated name compares its values in order). */
export function headerDiff(before: HeaderEntries, after: HeaderEntries): EditDiff["headers"] {
  const text = (values: (Uint8Array | null)[]) => {
    const texts = values.map((bytes) => diffText(bytes, HEADER_TEXT_LIMIT).text);
    return texts.length === 1 ? texts[0]! : `[${texts.join(", ")}]`;
  };
  const was = valuesByName(before);
  const now = valuesByName(after);
  const diff: EditDiff["headers"] = { added: [], removed: [], changed: [] };
  for (const [name, values] of now) {
    const old = was.get(name);
    if (!old) diff.added.push({ name, value: text(values) });
    else if (old.length !== values.length || old.some((value, i) => !sameBytes(value, values[i]!))) diff.changed.push({ name, before: text(old), after: text(values) });
  }
  for (const name of was.keys()) if (!now.has(name)) diff.removed.push(name);
  return diff;
}

function checkHeaderName(name: string): void {
  if (!name) throw new ReplayRefused("A header needs a name.");
  if (RESERVED.has(name)) throw new ReplayRefused(`"${name}" is set by Redrive on every replay and cannot be edited.`);
}

/**
 * The original headers (in order, repeated names included) with the operator's edits: a `list` gives the
 * whole new order; otherwise removals drop every header of a name, and a set replaces the value of the last
 * header of that name (the one views and filters show) or appends a new one.
 */
export function applyHeaderEdits(original: HeaderEntries, edits: MessageEdit["headers"]): [string, Uint8Array | null][] {
  const entries = [...original].map(([name, value]): [string, Uint8Array | null] => [name, value]);
  if (edits?.list) {
    return edits.list.map(({ from, name, value }): [string, Uint8Array | null] => {
      const source = from === null ? undefined : entries[from];
      if (from !== null && !source) throw new ReplayRefused(`The message has no header number ${from + 1}.`);
      if (source?.[0] !== name) checkHeaderName(name);
      if (value === undefined && !source) throw new ReplayRefused(`The new header "${name}" needs a value.`);
      return [name, value === undefined ? source![1] : Buffer.from(value, "utf8")];
    });
  }
  const removed = new Set(edits?.remove ?? []);
  const headers = entries.filter(([name]) => !removed.has(name));
  for (const { name, value } of edits?.set ?? []) {
    checkHeaderName(name);
    const last = headers.findLastIndex(([existing]) => existing === name);
    if (last >= 0) headers[last] = [name, Buffer.from(value, "utf8")];
    else headers.push([name, Buffer.from(value, "utf8")]);
  }
  return headers;
}

function maskedForAudit(bytes: Uint8Array | null, masks: MaskPath[], part: RecordPart): Uint8Array | null {
  return maskBytes(bytes, { payloads: true, masks }, part);
}

function checkAccess(access: PayloadAccess): void {
  if (!access.payloads) throw new ReplayRefused("Your role may not read payloads, so it may not edit them.");
}

/** A key or value whose fields the role's masks hide is not edited by that role (the edit would overwrite them). */
function checkPartAccess(part: RecordPart, edited: string | undefined, original: Uint8Array | null, access: PayloadAccess): void {
  if (edited !== undefined && masksHideFields(original, access, part)) {
    throw new ReplayRefused(`Masking rules hide fields of ${PART_WORDS[part].masked} from your role: editing it would overwrite them. Ask a role the masks exempt.`);
  }
}

function guardLoop(previousCount: number, override: boolean | undefined): void {
  if (previousCount >= DEFAULT_REPLAY_LIMIT && !override) {
    throw new ReplayRefused(
      `Quarantined: this message was already replayed ${previousCount} times and died again. Replay it again only with an explicit override.`,
    );
  }
}

/** Decided on the real bytes: a masked field edited to the same mask still differs from the original. */
function nothingEdited(partChanged: boolean, headers: EditDiff["headers"]): boolean {
  return !partChanged && headers.added.length === 0 && headers.removed.length === 0 && headers.changed.length === 0;
}

interface EditedPart {
  /** The copy's bytes: the original's exactly when the part was not edited. */
  bytes: Uint8Array | null;
  changed: boolean;
  /** Masked for the audit log; a schema-encoded part compares its decoded JSON. */
  diff: PartDiff;
  schema: SchemaChange | null;
}

/**
 * One key or value of a Kafka record as the operator edited it, the same way for both: a schema-encoded part
 * (Confluent framing) is edited as its decoded JSON and re-encoded with the subject's version picked
 * (`<topic>-key` / `<topic>-value`); any other part as UTF-8 text, valid JSON when the original is JSON.
 */
async function editKafkaPart(
  record: RecordPartBytes,
  part: RecordPart,
  topic: string,
  change: { text?: string; schemaVersion?: number },
  options: EditOptions,
): Promise<EditedPart> {
  const original = record.bytes;
  checkPartAccess(part, change.text, original, options.access);
  const reencoded =
    change.text !== undefined || change.schemaVersion !== undefined ? await reencodePart(options.schemaDecoder ?? null, record, part, topic, change, options.access) : null;
  if (change.text !== undefined && !reencoded) validateEditedValue(original, change.text, part);
  // The same JSON with the writer's schema keeps the original bytes exactly (an encoder need not reproduce them).
  const unchanged = reencoded !== null && reencoded.afterJson === reencoded.beforeJson && reencoded.schema.to.schemaId === reencoded.schema.from.schemaId;
  const bytes = reencoded && !unchanged ? reencoded.bytes : change.text !== undefined && !reencoded ? Buffer.from(change.text, "utf8") : original;
  const utf8 = (text: string) => Buffer.from(text, "utf8");
  const diff = reencoded
    ? valueDiff(maskedForAudit(utf8(reencoded.beforeJson), options.auditMasks, part), maskedForAudit(utf8(reencoded.afterJson), options.auditMasks, part))
    : valueDiff(maskedForAudit(original, options.auditMasks, part), maskedForAudit(bytes, options.auditMasks, part));
  return { bytes, changed: !sameBytes(original, bytes), diff, schema: reencoded?.schema ?? null };
}

// ---- Kafka -----------------------------------------------------------------------------------------------

/**
 * Replays an edited copy of one Kafka dead letter: the edited value and key (or their original bytes) and the
 * edited headers, minus the DLQ's error headers unless kept, plus the replay id, count and origin; produced
 * idempotently with acks=all. The DLQ record stays; the ledger row (action "edit") is written after the ack.
 */
export async function editAndReplayKafkaMessage(
  db: ControlDb,
  adapter: KafkaAdapter,
  dlq: string,
  position: { partition: number; offset: number },
  edit: MessageEdit,
  options: EditOptions,
): Promise<EditResult> {
  const message = await kafkaMessage(adapter, dlq, position.partition, position.offset);
  if (!message) throw new ReplayRefused(`No record at ${position.partition}:${position.offset} of ${dlq} (removed by retention?).`);
  refuseAborted(message);
  checkAccess(options.access);
  const target = options.target ?? message.failure?.originTopic ?? null;
  if (!target) throw new ReplayRefused("The record names no original topic (no kafka_dlt-original-topic or __connect.errors.topic header): pick a destination.");
  if (target === dlq) throw new ReplayRefused("The destination is the DLQ itself.");
  // A schema-encoded key or value is edited as its decoded JSON and re-encoded (the subjects are the origin topic's).
  const topic = message.failure?.originTopic ?? dlq;
  const value = await editKafkaPart({ bytes: message.value, headers: message.headers }, "value", topic, { text: edit.value, schemaVersion: edit.schemaVersion }, options);
  const key = await editKafkaPart({ bytes: message.key, headers: message.headers }, "key", topic, { text: edit.key, schemaVersion: edit.keySchemaVersion }, options);

  // Every header in order, repeated names included, as the record holds them.
  const edited = applyHeaderEdits(message.headerEntries, edit.headers);
  const diff: EditDiff = {
    value: value.diff,
    headers: headerDiff(message.headerEntries, edited),
    ...(value.schema ? { schema: value.schema } : {}),
    ...(key.changed ? { key: key.diff } : {}),
    ...(key.schema ? { keySchema: key.schema } : {}),
  };
  if (nothingEdited(value.changed || key.changed, diff.headers)) {
    throw new ReplayRefused("Nothing was edited: use Replay to send the message unchanged.");
  }

  const count = replayCountOf(message.headers) + 1;
  guardLoop(count - 1, options.overrideLoopGuard);
  await refuseMissingTarget(adapter, target);
  const replayId = randomUUID();
  const from = `${dlq}/${position.partition}/${position.offset}`;
  const written = await adapter.produce(target, {
    key: key.bytes ? Buffer.from(key.bytes) : null,
    value: value.bytes ? Buffer.from(value.bytes) : null,
    headers: replayHeaders(edited, { replayId, count, from, keepErrorHeaders: options.keepErrorHeaders ?? false }),
  });
  const targetPosition = formatLogPosition(written);
  await db.insert(replayLedger).values({
    replayId,
    kind: "kafka",
    action: "edit",
    connection: adapter.name,
    dlq,
    messageId: formatLogPosition(position),
    target,
    targetPosition,
    replayCount: count,
    replayedBy: options.replayedBy,
    reason: options.note ?? null,
  });
  return { replayId, target, targetPosition, replayCount: count, diff };
}

// ---- SQS -------------------------------------------------------------------------------------------------

type SqsAttributes = Record<string, { dataType: string; value: string }>;

function attributeBytes(attribute: { dataType: string; value: string }): Buffer {
  return Buffer.from(attribute.value, attribute.dataType.startsWith("Binary") ? "base64" : "utf8");
}

/** The message attributes with the operator's removals and settings applied; "redrive" is Redrive's own. */
export function applyAttributeEdits(original: SqsAttributes, edits: MessageEdit["headers"]): SqsAttributes {
  const attributes = { ...original };
  for (const name of edits?.remove ?? []) delete attributes[name];
  for (const { name, value, dataType } of edits?.set ?? []) {
    if (!name) throw new ReplayRefused("A message attribute needs a name.");
    if (name === SQS_REPLAY_ATTRIBUTE) throw new ReplayRefused('"redrive" carries the replay metadata and cannot be edited.');
    const type = dataType ?? (original[name]?.dataType.startsWith("Binary") ? "String" : (original[name]?.dataType ?? "String"));
    if (type.startsWith("Binary")) throw new ReplayRefused(`Attribute "${name}": binary attributes cannot be edited as text; remove it or set a String.`);
    if (type.startsWith("Number") && !Number.isFinite(Number(value))) throw new ReplayRefused(`Attribute "${name}" is a Number: "${value}" is not a number.`);
    attributes[name] = { dataType: type, value };
  }
  return attributes;
}

const attributeMap = (attributes: SqsAttributes) => new Map(Object.entries(attributes).map(([name, a]) => [name, attributeBytes(a) as Uint8Array | null]));

/**
 * Replays an edited copy of one SQS dead letter: received from the DLQ (never a guessed receipt handle), the
 * edited body and attributes sent with the replay metadata in the "redrive" attribute, and the original
 * deleted only after SQS acknowledged the copy. A refused edit leaves the message in the DLQ, visible again.
 */
/**
 * An edited SNS dead letter goes to its subscriber's queue like a plain replay, sent as edited: so only when the
 * dead letter is already in the form that subscription receives (envelope or raw).
 */
async function editedSubscriberQueue(adapter: SqsAdapter, dlq: string, sns: SnsDeliveryFailure): Promise<string> {
  const { subscription, queue } = await subscriberOf(adapter, dlq, sns);
  if (!queue) throw new ReplayRefused(`${subscription.label} delivers over ${subscription.protocol}: Redrive replays to SQS subscribers only. Pick a destination queue.`);
  if (sns.envelope === subscription.rawMessageDelivery) {
    throw new ReplayRefused(
      `${subscription.label} receives ${subscription.rawMessageDelivery ? "raw messages" : "SNS envelopes"} but this dead letter is ${sns.envelope ? "an envelope" : "a raw message"}: replay it without editing, or pick a destination queue.`,
    );
  }
  return queue;
}

export async function editAndReplaySqsMessage(
  db: ControlDb,
  adapter: SqsAdapter,
  dlq: string,
  messageId: string,
  edit: MessageEdit,
  options: EditOptions,
): Promise<EditResult> {
  if (edit.schemaVersion !== undefined || edit.keySchemaVersion !== undefined) throw new ReplayRefused("SQS messages are not schema-encoded: a schema version applies to Kafka keys and values only.");
  if (edit.key !== undefined) throw new ReplayRefused("SQS messages have no key to edit.");
  return withReceivedSqsMessage(adapter, dlq, messageId, async (found, dlqUrl) => {
    const originalBody = Buffer.from(found.body, "utf8");
    checkAccess(options.access);
    checkPartAccess("value", edit.value, originalBody, options.access);
    const failure = sqsFailure(found.messageAttributes, found.attributes, found.body);
    const target = options.target ?? failure.sourceQueue ?? (failure.sns ? await editedSubscriberQueue(adapter, dlq, failure.sns) : null);
    if (!target) throw new ReplayRefused("SQS did not record a source queue for this message: pick a destination.");
    if (target === dlq) throw new ReplayRefused("The destination is the DLQ itself.");
    if (edit.value !== undefined) validateEditedValue(originalBody, edit.value);
    const body = edit.value ?? found.body;
    if (body.length === 0) throw new ReplayRefused("SQS does not accept an empty message body.");
    await refuseMissingTarget(adapter, target);

    const original = { ...found.messageAttributes };
    const previous = sqsReplayMetadata(original).count;
    delete original[SQS_REPLAY_ATTRIBUTE];
    if (edit.headers?.list) throw new ReplayRefused("SQS message attributes are unique by name: edit them with set and remove.");
    const attributes = applyAttributeEdits(original, edit.headers);
    const diff: EditDiff = {
      value: valueDiff(maskedForAudit(originalBody, options.auditMasks, "value"), maskedForAudit(Buffer.from(body, "utf8"), options.auditMasks, "value")),
      headers: headerDiff(attributeMap(original), attributeMap(attributes)),
    };
    if (nothingEdited(body !== found.body, diff.headers)) throw new ReplayRefused("Nothing was edited: use Replay to send the message unchanged.");
    guardLoop(previous, options.overrideLoopGuard);
    const copy = await sendSqsCopy(db, adapter, {
      dlq,
      dlqUrl,
      found,
      target,
      body,
      attributes,
      previousCount: previous,
      action: "edit",
      replayedBy: options.replayedBy,
      reason: options.note ?? null,
    });
    return { ...copy, target, diff };
  });
}
