/**
 * A consumer group's lag on a topic, read from the broker: the end offset of each partition
 * minus the group's committed offset (or the log start when it has committed nothing). One
 * definition for the consumer's own `lag()` and for `Bus.consumerLag()`, which a process that
 * runs no consumer (`dropship monitor`) uses.
 */
import type { Admin } from 'kafkajs';
import { toPipelineError } from './errors.ts';

export async function groupLag(
  admin: Admin,
  groupId: string,
  topic: string,
  brokers: readonly string[],
): Promise<number> {
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const done = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
    );
    let lag = 0n;
    for (const p of ends) {
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      // -1 = nothing committed: a new group starts from the earliest record still held.
      const at = done.get(p.partition) ?? -1n;
      lag += high - (at >= low ? at : low);
    }
    return Number(lag);
  } catch (error) {
    throw toPipelineError(error, `reading the lag of group ${groupId} on ${topic}`, brokers);
  }
}
