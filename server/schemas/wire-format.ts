// Where a record says which schema wrote it. Pure byte parsing, no registry access.
//
// - Confluent wire format: a zero byte, a 4-byte big-endian schema id, then the encoded data. Protobuf data
//   starts with the message indexes: zig-zag varints, a count then that many indexes (a single 0 byte is
//   the shorthand for [0], the first message of the file).
// - Apicurio with headers enabled: `apicurio.{key,value}.globalId` or `.contentId` headers, 8-byte
//   big-endian longs, and the body is the bare encoded data (Apicurio's Protobuf serde puts a length-
//   delimited `Ref { string name = 1; }` before it naming the message type).

export type RecordPart = "key" | "value";

export type SchemaLocator =
  | { kind: "confluent"; schemaId: number; dataOffset: number }
  | { kind: "apicurio-header"; idKind: "globalId" | "contentId"; id: bigint; header: string };

export const CONFLUENT_MAGIC = 0;
export const CONFLUENT_HEADER_BYTES = 5;

/** The Confluent framing, or null when the bytes do not start with it. */
export function parseConfluentHeader(bytes: Uint8Array): { schemaId: number; dataOffset: number } | null {
  if (bytes.length < CONFLUENT_HEADER_BYTES || bytes[0] !== CONFLUENT_MAGIC) return null;
  const schemaId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(1, false);
  // Registries hand out positive ids; 0 or a negative id is data that merely starts with a zero byte.
  if (schemaId <= 0) return null;
  return { schemaId, dataOffset: CONFLUENT_HEADER_BYTES };
}

/** Reads an 8-byte (Apicurio's longToBytes) or 4-byte big-endian id from a header value. */
export function headerId(value: Uint8Array | null | undefined): bigint | null {
  if (!value) return null;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (value.length === 8) {
    const id = view.getBigInt64(0, false);
    return id > 0n ? id : null;
  }
  if (value.length === 4) {
    const id = view.getInt32(0, false);
    return id > 0 ? BigInt(id) : null;
  }
  return null;
}

export function apicurioHeaderNames(part: RecordPart): { globalId: string; contentId: string; msgType: string } {
  return { globalId: `apicurio.${part}.globalId`, contentId: `apicurio.${part}.contentId`, msgType: `apicurio.${part}.msgType` };
}

/**
 * Which schema wrote this key or value: Apicurio's headers win (with headers enabled the body carries no
 * framing), then the Confluent framing. Null: not schema-encoded as far as the bytes tell.
 */
export function locateSchema(bytes: Uint8Array, headers: ReadonlyMap<string, Uint8Array | null>, part: RecordPart): SchemaLocator | null {
  const names = apicurioHeaderNames(part);
  const globalId = headerId(headers.get(names.globalId));
  if (globalId !== null) return { kind: "apicurio-header", idKind: "globalId", id: globalId, header: names.globalId };
  const contentId = headerId(headers.get(names.contentId));
  if (contentId !== null) return { kind: "apicurio-header", idKind: "contentId", id: contentId, header: names.contentId };
  const confluent = parseConfluentHeader(bytes);
  return confluent ? { kind: "confluent", ...confluent } : null;
}

/** A protobuf varint (up to 64 bits) at `offset`, as a bigint, and where the next byte is. */
export function readVarint(bytes: Uint8Array, offset: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (let i = offset; i < bytes.length && shift < 70n; i++) {
    const byte = bytes[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: result, next: i + 1 };
    shift += 7n;
  }
  throw new Error(`truncated varint at byte ${offset}`);
}

function zigzag(n: bigint): bigint {
  return (n >> 1n) ^ -(n & 1n);
}

/** Message indexes cannot sensibly exceed this (the count of nesting levels); more means it is not an index. */
const MAX_INDEXES = 64;

/** Confluent Protobuf message indexes at `offset`: the path to the message type, and where the data starts. */
export function readMessageIndexes(bytes: Uint8Array, offset: number): { indexes: number[]; dataOffset: number } {
  const count = readVarint(bytes, offset);
  const n = zigzag(count.value);
  if (n === 0n) return { indexes: [0], dataOffset: count.next };
  if (n < 0n || n > BigInt(MAX_INDEXES)) throw new Error(`message index count ${n} is not valid`);
  const indexes: number[] = [];
  let at = count.next;
  for (let i = 0n; i < n; i++) {
    const index = readVarint(bytes, at);
    const value = zigzag(index.value);
    if (value < 0n || value > 1_000_000n) throw new Error(`message index ${value} is not valid`);
    indexes.push(Number(value));
    at = index.next;
  }
  return { indexes, dataOffset: at };
}

/** Encodes message indexes the way Confluent's serializer does (for tests and, later, re-encoding). */
export function encodeMessageIndexes(indexes: readonly number[]): Uint8Array {
  if (indexes.length === 1 && indexes[0] === 0) return Uint8Array.of(0);
  const out: number[] = [];
  const push = (n: number) => {
    let v = (n << 1) ^ (n >> 31);
    v >>>= 0;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
  };
  push(indexes.length);
  for (const i of indexes) push(i);
  return Uint8Array.from(out);
}

/** The Confluent framing of `data` written with schema `schemaId`. */
export function confluentFrame(schemaId: number, data: Uint8Array, messageIndexes?: readonly number[]): Uint8Array {
  const indexes = messageIndexes ? encodeMessageIndexes(messageIndexes) : new Uint8Array(0);
  const out = new Uint8Array(CONFLUENT_HEADER_BYTES + indexes.length + data.length);
  out[0] = CONFLUENT_MAGIC;
  new DataView(out.buffer).setInt32(1, schemaId, false);
  out.set(indexes, CONFLUENT_HEADER_BYTES);
  out.set(data, CONFLUENT_HEADER_BYTES + indexes.length);
  return out;
}

/**
 * Apicurio's Protobuf `Ref` prefix (length-delimited `Ref { string name = 1; }`) at `offset`, or null when the
 * bytes there are not one.
 */
export function readApicurioRef(bytes: Uint8Array, offset: number): { name: string; dataOffset: number } | null {
  try {
    const length = readVarint(bytes, offset);
    const end = length.next + Number(length.value);
    if (length.value === 0n || end > bytes.length || bytes[length.next] !== 0x0a) return null;
    const nameLength = readVarint(bytes, length.next + 1);
    if (nameLength.next + Number(nameLength.value) !== end) return null;
    const name = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(nameLength.next, end));
    return /^[A-Za-z_][\w.]*$/.test(name) ? { name, dataOffset: end } : null;
  } catch {
    return null;
  }
}
