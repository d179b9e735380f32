/**
 * kafkajs logs through a logCreator; ours forwards warnings and errors to the caller's log
 * function (the CLI decides whether to print), once per message in a window, so a broker
 * restart shows one clear line instead of a screen of retries. Without a log function the
 * adapter is silent: only src/cli prints.
 */
import { logLevel, type logCreator } from 'kafkajs';

export type KafkaLog = (message: string) => void;

/**
 * Known noise: advice that does not apply to how we use the client, and lines that repeat
 * what another line (ours or kafkajs's) already says.
 */
const IGNORED = [
  /Limiting retries for the idempotent producer/,
  /Failed to connect to seed broker, trying another/,
  /Crash: /,
  /Restarting the consumer in/,
];

export function kafkaLogCreator(log: KafkaLog | undefined, windowMs = 15_000): logCreator {
  const lastSeen = new Map<string, number>();
  return () =>
    ({ namespace, level, log: entry }) => {
      if (!log || level > logLevel.WARN) return;
      // Error responses (topic exists, group rebalancing, coordinator loading…) are handled or
      // retried by the caller, which reports what matters; logging them is noise.
      if (namespace === 'Connection' && entry.message.startsWith('Response ')) return;
      const error =
        typeof entry.error === 'string'
          ? entry.error
          : entry.error instanceof Error
            ? entry.error.message
            : undefined;
      // kafkajs logs retriable trouble at ERROR too; our caller reports what finally fails.
      const text = `kafka: ${entry.message}${error && !entry.message.includes(error) ? ` (${error})` : ''}`;
      if (IGNORED.some((pattern) => pattern.test(text))) return;
      const now = Date.now();
      const last = lastSeen.get(text);
      if (last !== undefined && now - last < windowMs) return;
      lastSeen.set(text, now);
      if (lastSeen.size > 200) lastSeen.clear();
      log(text);
    };
}
