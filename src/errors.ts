/**
 * Typed errors shared by every stage. Each error says whether retrying can help
 * (transient: broker restart, warehouse hiccup) or not (terminal: bad config, bad input),
 * and carries a hint that tells the user how to fix it. Adapters translate their native
 * errors into these, so stages never need to know which driver failed.
 */
export const ErrorCodes = [
  'BAD_ARGUMENT',
  'BAD_CONFIG',
  'BAD_INPUT',
  'IO',
  'WAREHOUSE_LOCKED',
  'WAREHOUSE_UNAVAILABLE',
  'WAREHOUSE_QUERY',
  'BUS_UNAVAILABLE',
  'BUS_ERROR',
  'NOT_SET_UP',
  'TASK_FAILED',
  'INTERRUPTED',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface PipelineErrorOptions {
  transient?: boolean;
  hint?: string;
  cause?: unknown;
}

export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.transient = options.transient ?? false;
    this.hint = options.hint;
  }
}

export function isTransient(error: unknown): boolean {
  return error instanceof PipelineError && error.transient;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
