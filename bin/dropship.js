#!/usr/bin/env node
// Entry point of the `dropship` CLI. The product is TypeScript run through tsx's loader,
// so `npm install` + `npm start` works on a fresh clone with no build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

// A small young generation for the main thread. V8 sizes it for throughput (semi-spaces up
// to 32–64 MB, so ~100–190 MB of heap), and a replay churns through it: on a 10M-order
// `run --once` the main thread's heap held 230–250 MB for 60–120 MB of live objects; with
// 4 MB semi-spaces it holds 65–85 MB (docs/BENCHMARKS.md). Unlike a cap on the old
// generation this can never end a run with "heap out of memory": it only makes minor
// collections more frequent. V8 reads it at start-up, so the process replaces itself once
// (same pid, same stdio, signals unchanged) unless the flag was given, in the command line
// or NODE_OPTIONS. process.execve is POSIX-only: elsewhere the CLI runs with V8's default.
//
// The same restart silences one warning: kafkajs 2.2.4's request queue arms a timer for
// `throttledUntil - Date.now()` with throttledUntil = -1 when nothing is throttled, so every
// Kafka command printed "TimeoutNegativeWarning: -1796… is a negative number" on Node 24
// (Node runs it after 1 ms, as kafkajs meant). Other warnings are still printed.
//
// And a smaller heap growing factor for every isolate (main thread and workers; V8 flags are
// process-wide): V8 lets the old generation grow to a multiple of what the last full
// collection kept before collecting again, and records held through a batch's write (the
// bus backlog, the batch in hand) die old. On a 1M-order `run --once` the main thread's heap
// swung between 45 and 180 MB for 45–55 MB of live objects; with a factor of 1.5 it stays at
// 60–75 MB (peak RSS 532 → 451 MB, both runs with DuckDB capped at 64 MB; 753–906 → 674 MB
// at DuckDB's 256). Unlike --max-old-space-size it is no limit: a heap that really needs more
// still gets it, only collected more often.
const HEAP_GROWING_FLAG = '--heap-growing-percent=50';
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const QUIET_KAFKAJS_TIMER = '--disable-warning=TimeoutNegativeWarning';
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
if (typeof process.execve === 'function' && !given.some((a) => a.startsWith(SEMI_SPACE_FLAG))) {
  process.execve(
    process.execPath,
    [
      process.execPath,
      `${SEMI_SPACE_FLAG}=4`,
      HEAP_GROWING_FLAG,
      QUIET_KAFKAJS_TIMER,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    process.env,
  );
}

register();
await import('../src/cli/main.ts');
