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
 * The error and what it wraps, down to the innermost: kafkajs wraps the real cause in
 * "number of retries exceeded", @platformatic/kafka aggregates "produce failed N times" (the
 * last attempt comes last, and decides). Earlier attempts are left out: a network error
 * followed by a refusal is a refusal.
 */
function chain(error: unknown): ClientErrorShape[] {
  const links: ClientErrorShape[] = [];
  let current = error as ClientErrorShape | undefined;
  while (current && typeof current === 'object' && links.length < 10 && !links.includes(current)) {
    links.push(current);
    const aggregated = Array.isArray(current.errors) ? current.errors.at(-1) : undefined;
    current = (current.cause ?? current.originalError ?? aggregated) as
      ClientErrorShape | undefined;
  }
  return links;
}

function rootCause(error: unknown): ClientErrorShape {
  return chain(error).at(-1) ?? {};
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
  return chain(error).some(
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
 * kafkajs's "Failed to find group coordinator", which it throws as non-retriable when every
 * broker it asked failed: the broker is restarting (the usual case), or every answer was a
 * refusal (a group the client may not use).
 */
function isCoordinatorLost(error: unknown): boolean {
  return chain(error).some((e) => e.name === 'KafkaJSGroupCoordinatorNotFound');
}

/** Worth replacing the consumer for: no broker answered (or none as the group's coordinator). */
export function isBrokerLost(error: unknown): boolean {
  return isConnectionError(error) || isCoordinatorLost(error);
}

/**
 * Can a retry help? @platformatic/kafka says so on each error (`canRetry`): none in the last
 * attempt may refuse, nor any partition of its response. kafkajs says so on the cause.
 */
function isRetriable(error: unknown): boolean {
  const links = chain(error);
  if (links.some((e) => typeof e.canRetry === 'boolean')) {
    return links.every(
      (e) =>
        e.canRetry !== false &&
        (!Array.isArray(e.errors) ||
          e.errors.every((x) => (x as ClientErrorShape | undefined)?.canRetry !== false)),
    );
  }
  const root = rootCause(error);
  return root.retriable ?? (error as ClientErrorShape)?.retriable ?? false;
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
  const detail = rootMessage(error);
  if (isConnectionError(error)) {
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
  if (isCoordinatorLost(error)) {
    return new PipelineError(
      'BUS_ERROR',
      `no broker of ${brokers.join(',')} answered as the consumer group's coordinator while ${doing}`,
      {
        transient: true,
        hint: 'a restarting broker answers again within seconds; if this lasts, check that the broker is up and that the client may use the group (KAFKA_GROUP_ID, ACLs)',
        cause: error,
      },
    );
  }
  if (isRebalanceError(error)) {
    // kafkajs marks these retriable, but a retry cannot help this member: the partition may
    // be another member's now, and it redelivers from the committed offsets.
    return new PipelineError(
      'BUS_ERROR',
      `the consumer group rebalanced while ${doing}: ${detail}`,
      { transient: false, cause: error },
    );
  }
  return new PipelineError('BUS_ERROR', `Kafka error while ${doing}: ${detail}`, {
    transient: isRetriable(error),
    cause: error,
  });
}
