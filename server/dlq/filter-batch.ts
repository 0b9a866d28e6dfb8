/**
 * The batch a filter worker evaluates: records packed into one byte buffer and two typed arrays, all
 * transferred (no per-record objects to clone), written on the server's thread (packBatch) and read in the
 * worker (BatchRecord), which decodes a record's headers and failure only if the filter reads them.
 * Loaded by Node directly in the workers (type stripping): erasable TypeScript, explicit .ts imports.
 */
import type { FilterRecord } from "./cel-record.ts";
import { isFailureHeader, kafkaFailure, type FailureInfo } from "./failure.ts";
import { cacheKey, compileDecoder, type PortableSchema } from "../schemas/decode.ts";
import { locateSchema } from "../schemas/wire-format.ts";

/** One record to filter, as packed. Headers in order: a repeated name's last value is the one filters see. */
export interface FilterInput {
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Iterable<readonly [string, Uint8Array | null]>;
}

// Per record in `records`: partition, offset, timestampMs (NaN: null), key start and length, value start and
// length (length -1: null), first header and header count. Per header in `headers`: name index, value start, length.
const RECORD_FIELDS = 9;
const HEADER_FIELDS = 3;

export interface PackedBatch {
  /** Set to 1 (and notified) when evaluation starts: the deadline counts from then, not from worker start-up. */
  started: Int32Array;
  expression: string;
  data: Uint8Array;
  records: Float64Array;
  headers: Int32Array;
  /** Header names, each once. */
  names: string[];
  /** Each record's failure when given; null: read from its headers (Kafka's conventions) on first use, in the worker. */
  failures: (FailureInfo | null)[] | null;
  /** Without payload access the filter sees only failure headers (the failure itself is read from all of them). */
  failureHeadersOnly: boolean;
  /**
   * Schema-encoded keys and values are decoded here, in the worker, when the filter reads them: the writers'
   * schemas of this batch by `<registry>|<cache key>` (server/schemas/decode.ts). Null: the bytes as they are.
   */
  schemas: { registry: string; byKey: Record<string, PortableSchema> } | null;
}

/** A record's headers as an array (Kafka records' are already one). */
const entries = (headers: FilterInput["headers"]): readonly (readonly [string, Uint8Array | null])[] => (Array.isArray(headers) ? headers : [...headers]);

/** Packs records (their bytes copied once) for one worker task; transfer data, records and headers. */
export function packBatch(
  expression: string,
  inputs: readonly FilterInput[],
  failures: (FailureInfo | null)[] | null,
  failureHeadersOnly: boolean,
  schemas: PackedBatch["schemas"] = null,
): PackedBatch {
  const headerLists = inputs.map((input) => entries(input.headers));
  let size = 0;
  let headerCount = 0;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    size += (input.key?.byteLength ?? 0) + (input.value?.byteLength ?? 0);
    const list = headerLists[i]!;
    headerCount += list.length;
    for (let h = 0; h < list.length; h++) size += list[h]![1]?.byteLength ?? 0;
  }
  const data = new Uint8Array(size);
  const records = new Float64Array(inputs.length * RECORD_FIELDS);
  const headers = new Int32Array(headerCount * HEADER_FIELDS);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  let at = 0;
  let header = 0;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const slot = i * RECORD_FIELDS;
    records[slot] = input.partition ?? Number.NaN;
    records[slot + 1] = input.offset ?? Number.NaN;
    records[slot + 2] = input.timestampMs;
    const { key, value } = input;
    records[slot + 3] = at;
    records[slot + 4] = key === null ? -1 : key.byteLength;
    if (key !== null) {
      data.set(key, at);
      at += key.byteLength;
    }
    records[slot + 5] = at;
    records[slot + 6] = value === null ? -1 : value.byteLength;
    if (value !== null) {
      data.set(value, at);
      at += value.byteLength;
    }
    const list = headerLists[i]!;
    records[slot + 7] = header;
    records[slot + 8] = list.length;
    for (let h = 0; h < list.length; h++, header++) {
      const [name, bytes] = list[h]!;
      let index = nameIndex.get(name);
      if (index === undefined) {
        index = names.push(name) - 1;
        nameIndex.set(name, index);
      }
      const hslot = header * HEADER_FIELDS;
      headers[hslot] = index;
      headers[hslot + 1] = at;
      headers[hslot + 2] = bytes === null ? -1 : bytes.byteLength;
      if (bytes !== null) {
        data.set(bytes, at);
        at += bytes.byteLength;
      }
    }
  }
  return { started: new Int32Array(new SharedArrayBuffer(4)), expression, data, records, headers, names, failures, failureHeadersOnly, schemas };
}

const NO_HEADERS: ReadonlyMap<string, Uint8Array | null> = new Map();
/** Writers' schemas compiled in this thread (a scan sends the same ones batch after batch); null: not usable. */
const workerDecoders = new Map<string, ReturnType<typeof compileDecoder> | null>();

/** Records in a packed batch. */
export const batchSize = (batch: PackedBatch): number => batch.records.length / RECORD_FIELDS;

/**
 * A packed record as the filter sees it, one at a time: `at(i)` moves it to record i (evaluation is
 * synchronous and keeps nothing, so one view serves the whole batch without a new object per record).
 */
export class BatchRecord implements FilterRecord {
  readonly #batch: PackedBatch;
  readonly #data: Buffer;
  #slot = 0;
  #index = 0;
  #headers: Map<string, Uint8Array | null> | undefined;
  #failure: FailureInfo | null | undefined;

  constructor(batch: PackedBatch) {
    this.#batch = batch;
    this.#data = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  }

  at(index: number): this {
    this.#index = index;
    this.#slot = index * RECORD_FIELDS;
    this.#headers = undefined;
    this.#failure = undefined;
    return this;
  }

  #field(slot: number): number | null {
    const value = this.#batch.records[slot]!;
    return Number.isNaN(value) ? null : value;
  }

  #bytes(start: number, length: number): Buffer | null {
    return length < 0 ? null : this.#data.subarray(start, start + length);
  }

  get partition(): number | null {
    return this.#field(this.#slot);
  }

  get offset(): number | null {
    return this.#field(this.#slot + 1);
  }

  get timestampMs(): number {
    return this.#batch.records[this.#slot + 2]!;
  }

  get key(): Uint8Array | null {
    const records = this.#batch.records;
    const bytes = this.#bytes(records[this.#slot + 3]!, records[this.#slot + 4]!);
    return this.#batch.schemas ? this.#decoded(bytes, "key") : bytes;
  }

  get value(): Uint8Array | null {
    const records = this.#batch.records;
    const bytes = this.#bytes(records[this.#slot + 5]!, records[this.#slot + 6]!);
    return this.#batch.schemas ? this.#decoded(bytes, "value") : bytes;
  }

  /** A schema-encoded key or value as its decoded JSON text; the bytes when it carries no schema this batch has, or does not decode. */
  #decoded(bytes: Buffer | null, part: "key" | "value"): Uint8Array | null {
    const schemas = this.#batch.schemas!;
    if (bytes === null || bytes.length === 0) return bytes;
    // Apicurio's id headers are looked at only when the batch has any (building the map costs per record).
    const headers = this.#batch.names.some((name) => name.startsWith("apicurio.")) ? this.#allHeaders() : NO_HEADERS;
    const locator = locateSchema(bytes, headers, part);
    if (!locator) return bytes;
    const key = `${schemas.registry}|${cacheKey(locator)}`;
    let decode = workerDecoders.get(key);
    if (decode === undefined) {
      const portable = schemas.byKey[key];
      if (!portable) return bytes;
      try {
        decode = compileDecoder(portable.schema, portable.refs);
      } catch {
        decode = null;
      }
      if (workerDecoders.size >= 256) workerDecoders.clear();
      workerDecoders.set(key, decode);
    }
    if (decode === null) return bytes;
    try {
      return Buffer.from(decode(bytes, locator, headers, part).json, "utf8");
    } catch {
      return bytes;
    }
  }

  /** Every header, each name's last value (as a Map built from the record's headers in order). */
  #allHeaders(): Map<string, Uint8Array | null> {
    const { records, headers, names } = this.#batch;
    const first = records[this.#slot + 7]!;
    const count = records[this.#slot + 8]!;
    const out = new Map<string, Uint8Array | null>();
    for (let h = first; h < first + count; h++) {
      const slot = h * HEADER_FIELDS;
      out.set(names[headers[slot]!]!, this.#bytes(headers[slot + 1]!, headers[slot + 2]!));
    }
    return out;
  }

  get headers(): ReadonlyMap<string, Uint8Array | null> {
    if (this.#headers === undefined) {
      const all = this.#allHeaders();
      if (this.#batch.failureHeadersOnly) for (const name of all.keys()) if (!isFailureHeader(name)) all.delete(name);
      this.#headers = all;
    }
    return this.#headers;
  }

  get failure(): FailureInfo | null {
    if (this.#failure === undefined) this.#failure = this.#batch.failures ? (this.#batch.failures[this.#index] ?? null) : kafkaFailure(this.#allHeaders());
    return this.#failure;
  }
}
