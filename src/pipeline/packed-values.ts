/**
 * Values sent to or from a worker thread as one buffer of their UTF-8 bytes and a length per
 * value (-1 for null). The buffer is transferred, not copied: posting strings copies each one,
 * and posting a view into a larger buffer (a Kafka fetch) copies all of that buffer.
 */
export interface PackedValues {
  bytes: ArrayBuffer;
  lengths: Int32Array;
}

export function packValues(values: readonly (string | Uint8Array | null)[]): PackedValues {
  const lengths = new Int32Array(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const length = v === null ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
    lengths[i] = length;
    if (length > 0) total += length;
  }
  // Its own ArrayBuffer (not the shared pool's), so it can be transferred.
  const bytes = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'string') at += bytes.write(v, at);
    else {
      bytes.set(v, at);
      at += v.length;
    }
  }
  return { bytes: bytes.buffer as ArrayBuffer, lengths };
}

/** The values back, as views of the one buffer (null where a null was packed). */
export function unpackValues({ bytes, lengths }: PackedValues): (Buffer | null)[] {
  const buffer = Buffer.from(bytes);
  const values: (Buffer | null)[] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length < 0) values[i] = null;
    else {
      values[i] = buffer.subarray(at, at + length);
      at += length;
    }
  }
  return values;
}
