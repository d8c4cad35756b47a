/**
 * Reads the `Status` an API server answers with when a request asked for protobuf
 * (`application/vnd.kubernetes.protobuf`) and failed: the error arrives in the same encoding as the
 * answer would have. Only the fields Tideline's error handling uses are read; everything else is
 * skipped by its wire type.
 *
 * Layout (Kubernetes' protobuf serializer): the four bytes `k8s\0`, then a `runtime.Unknown`
 * message whose field 2 (`raw`) holds the `meta/v1` `Status`:
 * message 3, reason 4, details 5 (causes 4: reason 1, message 2, field 3), code 6.
 */

/** The parts of a `meta/v1` Status that error handling reads. */
export interface DecodedStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** One field of a message: its number, and its bytes (length-delimited) or integer value (varint). */
type Field = { number: number; bytes?: Buffer; int?: number };

function* fields(buffer: Buffer): Generator<Field> {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= buffer.length || shift > 63) throw new Error('truncated varint');
      const byte = buffer[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    switch (key % 8) {
      case 0:
        yield { number, int: varint() };
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = varint();
        if (at + length > buffer.length) throw new Error('truncated field');
        yield { number, bytes: buffer.subarray(at, at + length) };
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key % 8}`);
    }
  }
}

/** A varint read as int32 (the protobuf encoding of a negative int32 is a 64-bit two's complement). */
const int32 = (value: number): number => (value >= 2 ** 31 ? value - 2 ** 64 : value);

function decodeCause(buffer: Buffer): { reason?: string; message?: string; field?: string } {
  const cause: { reason?: string; message?: string; field?: string } = {};
  for (const f of fields(buffer)) {
    if (!f.bytes) continue;
    if (f.number === 1) cause.reason = f.bytes.toString('utf8');
    else if (f.number === 2) cause.message = f.bytes.toString('utf8');
    else if (f.number === 3) cause.field = f.bytes.toString('utf8');
  }
  return cause;
}

/**
 * Decodes a protobuf-encoded Status answer; undefined when `body` is not one (no magic prefix, not
 * a Status, or malformed), so that the caller falls back to the HTTP status alone.
 */
export function decodeProtobufStatus(body: Buffer): DecodedStatus | undefined {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  try {
    let raw: Buffer | undefined;
    let kind: string | undefined;
    for (const f of fields(body.subarray(MAGIC.length))) {
      if (f.number === 1 && f.bytes) for (const t of fields(f.bytes)) if (t.number === 2 && t.bytes) kind = t.bytes.toString('utf8');
      if (f.number === 2 && f.bytes) raw = f.bytes;
    }
    if (kind !== 'Status' || !raw) return undefined;
    const status: DecodedStatus = {};
    for (const f of fields(raw)) {
      if (f.number === 3 && f.bytes) status.message = f.bytes.toString('utf8');
      else if (f.number === 4 && f.bytes) status.reason = f.bytes.toString('utf8');
      else if (f.number === 6 && f.int !== undefined) status.code = int32(f.int);
      else if (f.number === 5 && f.bytes) {
        const causes = [...fields(f.bytes)].filter((d) => d.number === 4 && d.bytes).map((d) => decodeCause(d.bytes as Buffer));
        if (causes.length > 0) status.details = { causes };
      }
    }
    return status;
  } catch {
    return undefined;
  }
}
