/**
 * Progress of long work: a live line (count, rate, ETA) on a terminal, plain log lines at a
 * steady pace when output is redirected (CI logs, files), so both stay readable.
 */
import { formatCount } from '../domain/values.ts';

export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not on a terminal. */
  plainEverySeconds?: number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private count = 0;
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY) && process.env.CI !== 'true';
  }

  update(count: number, total = this.options.total): void {
    this.count = count;
    const now = performance.now();
    const every = this.tty ? 100 : (this.options.plainEverySeconds ?? 5) * 1000;
    if (now - this.lastDraw < every && !(total !== undefined && count >= total)) return;
    this.lastDraw = now;
    this.draw(total);
  }

  private line(total: number | undefined): string {
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.count / elapsed : 0;
    const unit = this.options.unit ?? 'rows';
    let text = `${this.options.label}: ${formatCount(this.count)}`;
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, (100 * this.count) / total);
      const eta = rate > 0 ? ((total - this.count) / rate) * 1000 : Number.POSITIVE_INFINITY;
      text += `/${formatCount(total)} ${unit} (${pct.toFixed(0)}%) ${formatCount(rate)} ${unit}/s, ETA ${formatDuration(eta)}`;
    } else {
      text += ` ${unit}, ${formatCount(rate)} ${unit}/s`;
    }
    return text;
  }

  private draw(total: number | undefined): void {
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${this.line(total)}`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.line(total)}\n`);
    }
  }

  /** Clears the live line so the next message starts on a clean line. */
  done(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
  }
}
