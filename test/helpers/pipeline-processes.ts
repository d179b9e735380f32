/**
 * Waiting on the pipeline's separate processes in tests: a line in a command's output, and a
 * consumer group that has committed every record of its topic (read from the broker).
 */
import { Kafka, logLevel } from 'kafkajs';

export interface GroupOnTopic {
  bootstrap: string;
  topic: string;
  group: string;
}

/** Records on the topic and records committed by the group (summed over partitions). */
export async function groupOffsets(l: GroupOnTopic): Promise<{ end: number; committed: number }> {
  const kafka = new Kafka({
    clientId: 'dropship-tests',
    brokers: [l.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(l.topic),
      admin.fetchOffsets({ groupId: l.group, topics: [l.topic] }),
    ]);
    const end = ends.reduce((sum, p) => sum + Number(p.high), 0);
    const committed = (groups[0]?.partitions ?? []).reduce(
      (sum, p) => sum + Math.max(0, Number(p.offset)),
      0,
    );
    return { end, committed };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the group has committed every record of the topic (and at least `atLeast`). */
export async function waitCaughtUp(
  l: GroupOnTopic,
  atLeast: number,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = { end: 0, committed: 0 };
  while (Date.now() < deadline) {
    last = await groupOffsets(l).catch(() => last);
    if (last.end >= atLeast && last.committed === last.end) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`group ${l.group} did not catch up on ${l.topic}: ${JSON.stringify(last)}`);
}
