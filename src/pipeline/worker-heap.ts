/**
 * Heap limits of the pipeline's worker threads (the replay reader and the ingest's decoder).
 *
 * Without limits V8 sizes a busy worker's heap for speed, not memory: on a 10M-order `run
 * --once` each of the two grew to 145–165 MB while holding 15–45 MB of live objects (Node 24,
 * `worker.getHeapStatistics()`), a third of the process's RSS. Capped like this they stay at
 * 32–38 MB with the same throughput (docs/BENCHMARKS.md). What a worker holds is bounded by
 * its protocol (a few batches of ≤ 1,000 rows ahead for the replay, one ingest batch in
 * chunks of 2,000 for the decoder), far under these caps; a decoder that still ran out would
 * only cost speed (its chunks are decoded inline, see decoder.ts).
 */
import type { ResourceLimits } from 'node:worker_threads';

export const WORKER_HEAP_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 48,
  maxYoungGenerationSizeMb: 16,
};
