/**
 * Resident memory of a child process over time, read from /proc/<pid>/status every second
 * (Linux): the peak (VmHWM, which also catches what falls between two samples) and the
 * samples themselves, so "flat" is shown, not claimed. On systems without /proc the
 * samples are empty and the peak is null.
 */
import { readFile } from 'node:fs/promises';

export interface RssSample {
  /** Seconds since sampling started. */
  seconds: number;
  rssMb: number;
}

export interface RssRecording {
  samples: RssSample[];
  peakMb: number | null;
}

async function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const kb = status && new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return kb ? Number(kb[1]) / 1024 : null;
}

/** Samples `pid` until `stop()` (call it when the child has exited; it returns the record). */
export function recordRss(pid: number, everyMs = 1000): { stop(): RssRecording } {
  const started = performance.now();
  const samples: RssSample[] = [];
  let peakMb: number | null = null;
  const sample = async () => {
    const [rss, hwm] = await Promise.all([statusField(pid, 'VmRSS'), statusField(pid, 'VmHWM')]);
    if (rss !== null) samples.push({ seconds: (performance.now() - started) / 1000, rssMb: rss });
    if (hwm !== null) peakMb = Math.max(peakMb ?? 0, hwm);
  };
  void sample();
  const timer = setInterval(() => void sample(), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { samples, peakMb };
    },
  };
}

/**
 * How much memory grew over the run, from the median of its second quarter to the median of
 * its last (the first quarter is start-up: modules, the first batches, DuckDB's buffers).
 * A flat run is near 0 whatever its length.
 */
export function rssGrowth(samples: readonly RssSample[]): number | null {
  if (samples.length < 8) return null;
  const q = Math.floor(samples.length / 4);
  const mid = (xs: RssSample[]) => {
    const sorted = xs.map((s) => s.rssMb).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  return mid(samples.slice(-q)) - mid(samples.slice(q, 2 * q));
}

/** "t=10 s 612 MB · t=20 s 640 MB …": the series every `stepSeconds`, for the notes. */
export function rssSeries(samples: readonly RssSample[], stepSeconds: number): string {
  const picked: RssSample[] = [];
  for (const s of samples) {
    if (picked.length === 0 || s.seconds - picked.at(-1)!.seconds >= stepSeconds) picked.push(s);
  }
  return picked.map((s) => `${Math.round(s.seconds)} s ${Math.round(s.rssMb)}`).join(' · ');
}
