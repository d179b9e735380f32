/**
 * kafkajs errors translated into PipelineErrors: a broker that cannot be reached is
 * BUS_UNAVAILABLE (transient, with the fix), anything else BUS_ERROR, transient when kafkajs
 * says a retry can help. Stages never see a kafkajs error class.
 */
import { PipelineError } from '../../errors.ts';

export function unavailableHint(brokers: readonly string[]): string {
  return `start a broker (\`npm run kafka:up\` without Docker, or \`docker compose up -d\`) and check KAFKA_BOOTSTRAP_SERVERS (now ${brokers.join(',')})`;
}

interface KafkaJsErrorShape {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  code?: string;
  cause?: unknown;
  originalError?: unknown;
}

/** The innermost error: kafkajs wraps the real cause in "number of retries exceeded". */
function rootCause(error: unknown): KafkaJsErrorShape {
  let current = error as KafkaJsErrorShape;
  for (let depth = 0; depth < 5; depth++) {
    const next = (current?.cause ?? current?.originalError) as KafkaJsErrorShape | undefined;
    if (!next || typeof next !== 'object') break;
    current = next;
  }
  return current ?? {};
}

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSRequestTimeoutError',
]);

export function isConnectionError(error: unknown): boolean {
  const root = rootCause(error);
  const top = error as KafkaJsErrorShape;
  return (
    CONNECTION_ERRORS.has(root.name ?? '') ||
    CONNECTION_ERRORS.has(top?.name ?? '') ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection timeout|Closed connection/i.test(
      `${root.message ?? ''} ${top?.message ?? ''}`,
    )
  );
}

/** The innermost error's message: what actually went wrong, without kafkajs's wrappers. */
export function rootMessage(error: unknown): string {
  return rootCause(error).message ?? (error as Error)?.message ?? String(error);
}

/**
 * No broker answered: a connection error, or kafkajs's "Failed to find group coordinator",
 * which it throws (as non-retriable) when every broker it asked failed, typically because
 * the broker is down or restarting.
 */
export function isBrokerLost(error: unknown): boolean {
  return (
    isConnectionError(error) ||
    [rootCause(error).name, (error as KafkaJsErrorShape)?.name].includes(
      'KafkaJSGroupCoordinatorNotFound',
    )
  );
}

/** Rebalance in progress, generation moved on, member unknown: the partition may be someone else's now. */
export function isRebalanceError(error: unknown): boolean {
  const type = rootCause(error).type ?? (error as KafkaJsErrorShape)?.type ?? '';
  return [
    'REBALANCE_IN_PROGRESS',
    'ILLEGAL_GENERATION',
    'UNKNOWN_MEMBER_ID',
    'FENCED_INSTANCE_ID',
  ].includes(type);
}

export function toPipelineError(
  error: unknown,
  doing: string,
  brokers: readonly string[],
): PipelineError {
  if (error instanceof PipelineError) return error;
  const root = rootCause(error);
  const detail = rootMessage(error);
  if (isBrokerLost(error)) {
    return new PipelineError(
      'BUS_UNAVAILABLE',
      `cannot reach the Kafka broker ${brokers.join(',')} while ${doing}: ${detail}`,
      {
        transient: true,
        hint: unavailableHint(brokers),
        cause: error,
      },
    );
  }
  const retriable = root.retriable ?? (error as KafkaJsErrorShape)?.retriable ?? false;
  return new PipelineError('BUS_ERROR', `Kafka error while ${doing}: ${detail}`, {
    transient: retriable,
    cause: error,
  });
}
