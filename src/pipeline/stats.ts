/**
 * Live counters of the stages running in this process. The dashboard reads them for the
 * ingest rate and /metrics; the CLI for progress and summaries.
 */
export class PipelineStats {
  readonly startedAt = Date.now();
  produced = 0;
  consumed = 0;
  rawInserted = 0;
  redelivered = 0;
  quarantined = 0;
  batches = 0;
  ingestErrors = 0;
  deadLettersPublished = 0;
  taskRuns: Record<'SUCCEEDED' | 'FAILED' | 'SKIPPED', number> = {
    SUCCEEDED: 0,
    FAILED: 0,
    SKIPPED: 0,
  };
  lastBatchAt: number | null = null;
  /** Consumer lag as last reported by the bus (null when unknown). */
  lag: number | null = null;
  /** Recent (time, consumed) samples for the live ingest rate. */
  private readonly samples: [number, number][] = [];

  recordBatch(consumed: number, inserted: number, quarantined: number, redelivered: number): void {
    this.consumed += consumed;
    this.rawInserted += inserted;
    this.quarantined += quarantined;
    this.redelivered += redelivered;
    this.batches += 1;
    this.lastBatchAt = Date.now();
    this.samples.push([this.lastBatchAt, this.consumed]);
    while (this.samples.length > 0 && this.lastBatchAt - this.samples[0]![0] > 30_000)
      this.samples.shift();
  }

  /** Events per second ingested over the last ~10 seconds. */
  ingestRate(now = Date.now()): number {
    const windowMs = 10_000;
    // The latest sample at or before the window start is the baseline (or the process start).
    let baseTime = this.startedAt;
    let baseCount = 0;
    for (const [t, c] of this.samples) {
      if (t > now - windowMs) break;
      baseTime = t;
      baseCount = c;
    }
    const elapsed = (now - baseTime) / 1000;
    return elapsed > 0 ? (this.consumed - baseCount) / elapsed : 0;
  }
}
