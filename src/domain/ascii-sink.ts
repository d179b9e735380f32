/**
 * CSV text written byte by byte into a buffer, for the generator's hot loop (orders.csv and
 * order_events.csv, ~250 bytes per order). Building each row as a string cost more than
 * making it: template literals and `+=` make rope strings that V8 must flatten before
 * encoding them, and that flattening and encoding were ~12 % of generate's CPU, with more
 * garbage to collect (1M orders: ~2M rows, 260 MB of text). Our rows are ASCII (ids, numbers,
 * timestamps, fixed words), so a byte per character is written straight into the chunk that
 * goes to the file.
 */

const DIGIT_0 = 48;
const DAY_MS = 86_400_000;

export class AsciiSink {
  /** Write position in `bytes`. */
  pos = 0;
  /** "YYYY-MM-DDT" per day since the epoch, encoded once per day. */
  private readonly dayPrefix = new Map<number, Uint8Array>();
  /** The last day written and its prefix (a lifecycle's steps are often days apart, sales not). */
  private lastDay = Number.NaN;
  private lastPrefix: Uint8Array = new Uint8Array(0);
  readonly bytes: Uint8Array;

  /**
   * @param bytes where to write; a Buffer is seen as a plain Uint8Array over the same memory,
   *   so that every sink's element stores stay of one kind (monomorphic) in the hot loop.
   */
  constructor(bytes: Uint8Array) {
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** An ASCII string (the caller guarantees it: ids, fixed words, numbers). */
  text(s: string): void {
    const b = this.bytes;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  byte(c: number): void {
    this.bytes[this.pos++] = c;
  }

  /** A non-negative integer in decimal. */
  int(n: number): void {
    if (n < 10) {
      this.bytes[this.pos++] = DIGIT_0 + n;
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const b = this.bytes;
    let p = this.pos + digits;
    this.pos = p;
    for (let t = n; digits > 0; digits--, t = Math.floor(t / 10)) b[--p] = DIGIT_0 + (t % 10);
  }

  /** Cents as a decimal with 2 places, like centsToDecimal: 1234 → "12.34", -5 → "-0.05". */
  cents(cents: number): void {
    if (cents < 0) {
      this.byte(45); // '-'
      cents = -cents;
    }
    this.int(Math.floor(cents / 100));
    const rest = cents % 100;
    this.byte(46); // '.'
    this.byte(DIGIT_0 + Math.floor(rest / 10));
    this.byte(DIGIT_0 + (rest % 10));
  }

  /** ISO-8601 UTC with milliseconds, like Date#toISOString: `2025-03-14T09:26:53.000Z`. */
  iso(ms: number): void {
    const day = Math.floor(ms / DAY_MS);
    let prefix = this.lastPrefix;
    if (day !== this.lastDay) {
      let known: Uint8Array | undefined = this.dayPrefix.get(day);
      if (known === undefined) {
        known = new Uint8Array(
          Buffer.from(new Date(day * DAY_MS).toISOString().slice(0, 11), 'latin1'),
        );
        // A period of years is a few thousand days; a clock-driven caller stays bounded too.
        if (this.dayPrefix.size > 10_000) this.dayPrefix.clear();
        this.dayPrefix.set(day, known);
      }
      prefix = known;
      this.lastDay = day;
      this.lastPrefix = known;
    }
    const b = this.bytes;
    let p = this.pos;
    for (let i = 0; i < prefix.length; i++) b[p++] = prefix[i]!;
    let rest = ms - day * DAY_MS;
    const millis = rest % 1000;
    rest = (rest - millis) / 1000;
    const h = Math.floor(rest / 3600);
    const m = Math.floor(rest / 60) % 60;
    const s = rest % 60;
    b[p++] = DIGIT_0 + Math.floor(h / 10);
    b[p++] = DIGIT_0 + (h % 10);
    b[p++] = 58; // ':'
    b[p++] = DIGIT_0 + Math.floor(m / 10);
    b[p++] = DIGIT_0 + (m % 10);
    b[p++] = 58;
    b[p++] = DIGIT_0 + Math.floor(s / 10);
    b[p++] = DIGIT_0 + (s % 10);
    b[p++] = 46; // '.'
    b[p++] = DIGIT_0 + Math.floor(millis / 100);
    b[p++] = DIGIT_0 + (Math.floor(millis / 10) % 10);
    b[p++] = DIGIT_0 + (millis % 10);
    b[p++] = 90; // 'Z'
    this.pos = p;
  }

  /** What was written since `from`, as a string (rows for callers that need text). */
  textSince(from = 0): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + from, this.pos - from).toString(
      'latin1',
    );
  }
}
