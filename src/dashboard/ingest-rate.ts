/**
 * The live ingest rate. Inside `dropship run` the pipeline's own counters are sampled every
 * second into a ring buffer (the last 5 minutes), so the chart moves smoothly without any
 * query. `dropship monitor` has no counters: it counts RAW rows per minute instead.
 */
import type { PipelineStats } from '../pipeline/stats.ts';

export interface RatePoint {
  /** ISO-8601 time of the sample (or start of the minute). */
  t: string;
  /** Events per second. */
  rate: number;
}

export class RateRing {
  private readonly points: RatePoint[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stats: PipelineStats,
    private readonly capacity = 300,
    private readonly everyMs = 1_000,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(now = Date.now()): void {
    this.points.push({
      t: new Date(now).toISOString(),
      rate: Math.round(this.stats.ingestRate(now) * 100) / 100,
    });
    if (this.points.length > this.capacity)
      this.points.splice(0, this.points.length - this.capacity);
  }

  snapshot(): RatePoint[] {
    return [...this.points];
  }
}

/** Per-minute RAW counts → events/s points, one per minute of the window (zeros included). */
export function ratePerMinute(
  counts: { minute: string; events: number }[],
  now: Date,
  minutes: number,
): RatePoint[] {
  const byMinute = new Map(counts.map((c) => [Date.parse(c.minute), c.events]));
  const last = Math.floor(now.getTime() / 60_000) * 60_000;
  const points: RatePoint[] = [];
  for (let m = last - (minutes - 1) * 60_000; m <= last; m += 60_000) {
    // The current minute is not over: divide by the seconds elapsed so far.
    const seconds = m === last ? Math.max(1, (now.getTime() - m) / 1000) : 60;
    points.push({
      t: new Date(m).toISOString(),
      rate: Math.round(((byMinute.get(m) ?? 0) / seconds) * 100) / 100,
    });
  }
  return points;
}
