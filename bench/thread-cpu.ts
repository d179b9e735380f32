/**
 * CPU time per thread of this process (Linux /proc/self/task/<tid>/stat: utime + stime), so a
 * bench can say where an event's microseconds go — the main thread, the decode worker, V8's GC
 * helpers, libuv, DuckDB's threads — not only events/s. Threads are grouped by name; a thread
 * that exited between two readings is missing from the later one (read before closing).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s ticks on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** CPU seconds by thread group at one moment. */
export type ThreadCpu = Map<string, number>;

function groupOf(tid: string, name: string): string {
  if (tid === String(process.pid)) return 'main thread';
  if (name.startsWith('dropship-')) return `${name.slice('dropship-'.length)} worker`;
  if (name.startsWith('V8Worker') || name === 'DelayedTaskSche') return 'V8 helpers (GC, compile)';
  if (name === 'libuv-worker') return 'libuv pool';
  return 'other (DuckDB, I/O)';
}

function ticksOf(stat: string): { name: string; seconds: number } {
  // Fields after "(comm)": state is field 3, utime 14 and stime 15 (1-based, man proc).
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, close),
    seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
  };
}

/**
 * Reads every live thread's CPU time, grouped, and the time of threads that already exited
 * (the process's total, which keeps theirs, minus the live ones); empty where /proc is missing.
 */
export function readThreadCpu(): ThreadCpu {
  const groups: ThreadCpu = new Map();
  let tids: string[];
  let processSeconds: number;
  try {
    processSeconds = ticksOf(readFileSync('/proc/self/stat', 'utf8')).seconds;
    tids = readdirSync('/proc/self/task');
  } catch {
    return groups;
  }
  let live = 0;
  for (const tid of tids) {
    try {
      const { name, seconds } = ticksOf(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'));
      const group = groupOf(tid, name);
      groups.set(group, (groups.get(group) ?? 0) + seconds);
      live += seconds;
    } catch {
      // The thread ended while we listed them: its time is in the process total.
    }
  }
  groups.set('exited threads', Math.max(0, processSeconds - live));
  return groups;
}

/** µs of CPU per event by thread group between two readings, plus the total. */
export function cpuPerEvent(before: ThreadCpu, after: ThreadCpu, events: number): ThreadCpu {
  const out: ThreadCpu = new Map();
  let total = 0;
  for (const [group, seconds] of after) {
    const us = ((seconds - (before.get(group) ?? 0)) * 1e6) / events;
    out.set(group, us);
    total += us;
  }
  out.set('total', total);
  return out;
}

/** "main thread 7.1, decode worker 4.0, …, total 16.2" (µs per event). */
export function formatCpuPerEvent(perEvent: ThreadCpu): string {
  return [...perEvent]
    .filter(([group, us]) => group === 'total' || us >= 0.05)
    .map(([group, us]) => `${group} ${us.toFixed(1)}`)
    .join(', ');
}
