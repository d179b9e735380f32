/**
 * Kafka client errors (kafkajs for the consumer and admin, @platformatic/kafka for the
 * producer) translated into PipelineErrors: a broker that cannot be reached is
 * BUS_UNAVAILABLE (transient, with the fix), anything else BUS_ERROR, transient when the
 * client says a retry can help. Stages never see a client's error class.
 */
import { PipelineError } from '../../errors.ts';

export function unavailableHint(brokers: readonly string[]): string {
  return `start a broker (\`npm run kafka:up\` without Docker, or \`docker compose up -d\`) and check KAFKA_BOOTSTRAP_SERVERS (now ${brokers.join(',')})`;
}

/** The fields either client puts on its errors. */
interface ClientErrorShape {
  name?: string;
  message?: string;
  /** kafkajs: can a retry help? */
  retriable?: boolean;
  /** @platformatic/kafka: can a retry help? */
  canRetry?: boolean;
  /** kafkajs: the Kafka protocol error (OUT_OF_ORDER_SEQUENCE_NUMBER…). */
  type?: string;
  /** @platformatic/kafka: the Kafka protocol error. */
  apiId?: string;
  /** Node's (ECONNREFUSED…) or @platformatic/kafka's (PLT_KFK_NETWORK…). */
  code?: string;
  cause?: unknown;
  /** kafkajs wraps the real cause here too. */
  originalError?: unknown;
  /** @platformatic/kafka aggregates the errors of each attempt and each broker. */
  errors?: unknown[];
}

function inner(error: ClientErrorShape): unknown[] {
  return [error.cause, error.originalError, ...(Array.isArray(error.errors) ? error.errors : [])];
}

/** The error and every error wrapped or aggregated inside it (bounded: errors can nest deeply). */
function nested(error: unknown): ClientErrorShape[] {
  const found: ClientErrorShape[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && found.length < 50) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || found.includes(e as ClientErrorShape)) continue;
    found.push(e as ClientErrorShape);
    queue.push(...inner(e as ClientErrorShape));
  }
  return found;
}

/**
 * The innermost error: kafkajs wraps the real cause in "number of retries exceeded",
 * @platformatic/kafka in "produce failed N times" (the last attempt's error comes last).
 */
function rootCause(error: unknown): ClientErrorShape {
  let current = error as ClientErrorShape;
  for (let depth = 0; depth < 8; depth++) {
    const aggregated = Array.isArray(current?.errors) ? current.errors.at(-1) : undefined;
    const next = (current?.cause ?? current?.originalError ?? aggregated) as
      ClientErrorShape | undefined;
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

/** @platformatic/kafka's network errors (its TimeoutError carries PLT_KFK_NETWORK too). */
const CONNECTION_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

const CONNECTION_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection timeout|Closed connection/i;

export function isConnectionError(error: unknown): boolean {
  return nested(error).some(
    (e) =>
      CONNECTION_ERRORS.has(e.name ?? '') ||
      CONNECTION_CODES.has(e.code ?? '') ||
      CONNECTION_MESSAGE.test(`${e.message ?? ''} ${e.code ?? ''}`),
  );
}

/** Is this Kafka protocol error (by its name, e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) inside? */
export function hasProtocolError(error: unknown, id: string): boolean {
  return nested(error).some((e) => e.type === id || e.apiId === id);
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
    nested(error).some((e) => e.name === 'KafkaJSGroupCoordinatorNotFound')
  );
}

/** Rebalance in progress, generation moved on, member unknown: the partition may be someone else's now. */
export function isRebalanceError(error: unknown): boolean {
  return [
    'REBALANCE_IN_PROGRESS',
    'ILLEGAL_GENERATION',
    'UNKNOWN_MEMBER_ID',
    'FENCED_INSTANCE_ID',
  ].some((id) => hasProtocolError(error, id));
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
  const top = error as ClientErrorShape;
  const retriable = root.retriable ?? root.canRetry ?? top?.retriable ?? top?.canRetry ?? false;
  return new PipelineError('BUS_ERROR', `Kafka error while ${doing}: ${detail}`, {
    transient: retriable,
    cause: error,
  });
}
