/** Placeholder until the Kafka adapter lands. */
import type { BusConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';
import type { Bus } from '../types.ts';

export async function createKafkaBus(_config: Extract<BusConfig, { kind: 'kafka' }>): Promise<Bus> {
  throw new PipelineError('BAD_CONFIG', 'the Kafka bus is not available yet', { hint: 'unset KAFKA_BOOTSTRAP_SERVERS to use the in-process bus' });
}
