/**
 * A CSV file being written by `generate`: under a temporary name, in ~1 MiB chunks with
 * backpressure, hashed and counted on the fly. Used by the main thread and by the order-events
 * worker (order-events-worker.ts).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';

const CHUNK_BYTES = 1 << 20;

/** A CSV file being written: chunked, hashed and counted on the fly. */
export class CsvFileWriter {
  readonly tmpPath: string;
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  // Lines are encoded straight into a reused buffer: no string concatenation, little garbage.
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private failure: Error | null = null;
  rows = 0;
  bytes = 0;

  /** @param header the CSV header, or null for a file without one (bad_events.jsonl). */
  constructor(
    readonly finalPath: string,
    header: readonly string[] | null,
  ) {
    this.tmpPath = `${finalPath}.partial`;
    this.stream = createWriteStream(this.tmpPath);
    this.stream.on('error', (error) => {
      this.failure = error;
    });
    if (header) this.used = this.buffer.write(header.join(',') + '\n', 0);
  }

  /** Appends one line; resolves immediately unless the chunk must be flushed. */
  write(line: string): Promise<void> | undefined {
    this.rows += 1;
    return this.append(line);
  }

  /** Appends `rows` lines at once (each ends with a newline). */
  writeRows(lines: string, rows: number): Promise<void> | undefined {
    this.rows += rows;
    return this.append(lines);
  }

  private append(line: string): Promise<void> | undefined {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (this.used + line.length * 3 > this.buffer.length) {
      const chunk = Buffer.from(line, 'utf8');
      return this.flush().then(() => {
        chunk.copy(this.buffer, 0);
        this.used = chunk.length;
      });
    }
    this.used += this.buffer.write(line, this.used);
    return undefined;
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = this.buffer.subarray(0, this.used);
    this.hash.update(chunk);
    this.bytes += chunk.length;
    // Wait until the chunk is written, then reuse the same buffer: one 1 MiB buffer per file
    // for the whole run, instead of one per chunk left to the garbage collector.
    await new Promise<void>((resolve, reject) => {
      this.stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
    this.used = 0;
  }

  async close(): Promise<{ rows: number; bytes: number; sha256: string }> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
    if (this.failure) throw this.failure;
    return { rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  abort(): void {
    this.stream.destroy();
  }
}
