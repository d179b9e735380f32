/**
 * Bus adapters, chosen from one typed table. Imports are lazy so the Kafka client loads
 * only when KAFKA_BOOTSTRAP_SERVERS is set.
 */
import type { BusConfig } from '../config/config.ts';
import type { Bus } from './types.ts';

type Factories = {
  [K in BusConfig['kind']]: (config: Extract<BusConfig, { kind: K }>) => Promise<Bus>;
};

const adapters = {
  memory: async (config) =>
    new (await import('./memory/memory-bus.ts')).MemoryBus({ partitions: config.partitions }),
  kafka: async (config) => (await import('./kafka/kafka-bus.ts')).createKafkaBus(config),
} satisfies Factories;

export async function openBus(config: BusConfig): Promise<Bus> {
  const factory = adapters[config.kind] as (c: BusConfig) => Promise<Bus>;
  return factory(config);
}

export type { Bus } from './types.ts';
