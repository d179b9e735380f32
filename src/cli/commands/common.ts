/** Helpers shared by the commands that open the bus or the warehouse. */
import type { Config } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';
import type { TaskRun } from '../../warehouse/types.ts';
import { formatCount } from '../../domain/values.ts';

/** Separate producer/consumer processes need a real broker: the in-process bus lives inside one process. */
export function requireKafka(
  config: Config,
  command: string,
): Extract<Config['bus'], { kind: 'kafka' }> {
  if (config.bus.kind !== 'kafka') {
    throw new PipelineError(
      'BAD_CONFIG',
      `\`dropship ${command}\` talks to Kafka/Redpanda, but KAFKA_BOOTSTRAP_SERVERS is not set`,
      {
        hint: 'start a broker (`docker compose up -d`, or `npm run kafka:up` without Docker) and set KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092; or run every stage in one process with `npx dropship run`',
      },
    );
  }
  return config.bus;
}

/** A run's row count; `—` where the warehouse's history does not record it. */
export function runCount(n: number | null): string {
  return n === null ? '—' : formatCount(n);
}

export function describeRun(run: TaskRun): string {
  const base = `task run #${run.runId} ${run.state}`;
  if (run.state === 'SUCCEEDED') {
    const offsets =
      run.offsetFrom === null ? '' : ` (stream offset ${run.offsetFrom} → ${run.offsetTo})`;
    return `${base}: ${runCount(run.rowsRead)} RAW rows → ${runCount(run.rowsInserted)} inserted, ${runCount(run.rowsUpdated)} updated, ${runCount(run.rowsQuarantined)} quarantined${offsets}`;
  }
  if (run.state === 'FAILED') {
    const offsets =
      run.offsetFrom === null
        ? 'the stream keeps its rows'
        : `stream offset stays at ${run.offsetFrom}`;
    return `${base}: ${run.errorMessage ?? 'unknown error'} (${offsets})`;
  }
  if (run.state === 'SKIPPED') return `${base}: no new RAW rows`;
  return base;
}
