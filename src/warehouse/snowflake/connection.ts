/**
 * One Snowflake session through `snowflake-sdk`, loaded on first use (≈120 MB; nothing loads it
 * unless WAREHOUSE=snowflake). Statements run one at a time on the session, as Snowflake's
 * transactions require; rows come back with lower-case keys and exact values (numbers and
 * timestamps as text: money and large counts never pass through a float).
 *
 * Errors are translated into the pipeline's typed errors: a network failure is transient (the
 * one retry policy retries it), a refused login names the settings to fix, a missing object
 * says to run setup. Secrets never appear in a message.
 */
import type { WarehouseConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';

type SnowflakeConfig = Extract<WarehouseConfig, { kind: 'snowflake' }>;
type Sdk = typeof import('snowflake-sdk');
type Connection = import('snowflake-sdk').Connection;
export type Bind = string | number | boolean | null;

let sdk: Promise<Sdk> | undefined;

/**
 * The driver probes cloud metadata addresses when its module loads unless told not to. Off for
 * a loopback endpoint (the local emulator: no traffic may leave the machine, and there is no
 * cloud there); a real account keeps the driver's default.
 */
function loadSdk(config: SnowflakeConfig): Promise<Sdk> {
  if (config.accessUrl && /^https?:\/\/(127\.|localhost|\[::1\])/.test(config.accessUrl))
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
  sdk ??= import('snowflake-sdk').then((m) => {
    const loaded = ((m as { default?: Sdk }).default ?? m) as Sdk;
    // The driver's own log would go to stdout and a file; our errors carry what matters.
    loaded.configure({ logLevel: 'OFF' });
    return loaded;
  });
  return sdk;
}

interface DriverError extends Error {
  code?: string | number;
  sqlState?: string;
}

const AUTH_CODES = new Set(['390100', '390144', '390318', '394304', '390102', '390422']);

function translate(error: unknown, config: SnowflakeConfig, what: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const e = error as DriverError;
  const code = e.code === undefined ? '' : String(e.code);
  const message = (e.message ?? String(error)).split('\n')[0]!;
  if (
    AUTH_CODES.has(code) ||
    /incorrect username or password|jwt token is invalid/i.test(message)
  ) {
    const secret =
      config.auth.method === 'password'
        ? 'SNOW_PASSWORD'
        : 'SNOW_PRIVATE_KEY_PATH (and SNOW_PRIVATE_KEY_PASSPHRASE; the public key must be set on the user: ALTER USER … SET RSA_PUBLIC_KEY)';
    return new PipelineError(
      'BAD_CONFIG',
      `Snowflake refused the login of ${config.user}: ${message}`,
      {
        hint: `check SNOW_ACCOUNT, SNOW_USER and ${secret}`,
        cause: error,
      },
    );
  }
  if (code === '002003' || e.sqlState === '42S02')
    return new PipelineError(
      'NOT_SET_UP',
      `Snowflake ${config.database}.${config.schema}: ${message}`,
      {
        hint: 'run `npx dropship setup` first (WAREHOUSE=snowflake)',
        cause: error,
      },
    );
  const network =
    e.name === 'NetworkError' ||
    e.name === 'RequestTimeoutError' ||
    /^4\d{5}$/.test(code) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|timed? ?out/i.test(
      message,
    );
  if (network) {
    const where = config.accessUrl ?? `${config.account}.snowflakecomputing.com`;
    return new PipelineError(
      'WAREHOUSE_UNAVAILABLE',
      `Snowflake at ${where} does not answer (${what}): ${message}`,
      {
        hint: config.accessUrl
          ? 'check SNOW_ACCESS_URL; for the local emulator run `npm run snowflake:local`'
          : 'check SNOW_ACCOUNT and the network',
        transient: true,
        cause: error,
      },
    );
  }
  return new PipelineError(
    'WAREHOUSE_QUERY',
    `Snowflake ${code ? `error ${code}` : 'error'}: ${message}`,
    {
      cause: error,
    },
  );
}

/** Columns the driver fetches as text, where it writes SQL NULL as the text "NULL". */
type Column = { getName(): string; isNumber(): boolean; isDate(): boolean; isTimestamp(): boolean };

/** Keys in lower case (Snowflake upper-cases unquoted names); NULL numbers and dates as null. */
function jsonRows(rows: Record<string, unknown>[], columns: Column[] | undefined) {
  const fetchedAsText = new Set(
    (columns ?? [])
      .filter((c) => c.isNumber() || c.isDate() || c.isTimestamp())
      .map((c) => c.getName()),
  );
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row))
      out[key.toLowerCase()] = value === 'NULL' && fetchedAsText.has(key) ? null : value;
    return out;
  });
}

export class SnowflakeConnection {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly config: SnowflakeConfig,
    private readonly connection: Connection,
  ) {}

  static async open(config: SnowflakeConfig): Promise<SnowflakeConnection> {
    const snowflake = await loadSdk(config);
    const auth =
      config.auth.method === 'password'
        ? { password: config.auth.password }
        : {
            authenticator: 'SNOWFLAKE_JWT',
            privateKeyPath: config.auth.privateKeyPath,
            ...(config.auth.privateKeyPassphrase
              ? { privateKeyPass: config.auth.privateKeyPassphrase }
              : {}),
          };
    const connection = snowflake.createConnection({
      account: config.account,
      username: config.user,
      ...auth,
      role: config.role,
      warehouse: config.warehouse,
      database: config.database,
      schema: config.schema,
      ...(config.accessUrl ? { accessUrl: config.accessUrl } : {}),
      // Keep array binds inline: above the threshold the driver uploads binds to a stage first.
      arrayBindingThreshold: 1e8,
      application: 'dropship-pipeline',
    } as Parameters<Sdk['createConnection']>[0]);
    await new Promise<void>((resolve, reject) =>
      connection.connect((error) =>
        error ? reject(translate(error, config, 'login')) : resolve(),
      ),
    );
    const session = new SnowflakeConnection(config, connection);
    // Timestamps are UTC without a zone (TIMESTAMP_NTZ); CURRENT_TIMESTAMP() must be UTC too.
    await session.execute("ALTER SESSION SET TIMEZONE = 'UTC'");
    return session;
  }

  /** One statement; `binds` one row of values, or rows of them (array binds). */
  execute<R = Record<string, unknown>>(
    sql: string,
    binds?: Bind[] | Bind[][],
  ): Promise<{ rows: R[]; rowsAffected: number }> {
    const run = this.tail.then(
      () =>
        new Promise<{ rows: R[]; rowsAffected: number }>((resolve, reject) => {
          this.connection.execute({
            sqlText: sql,
            ...(binds && binds.length > 0 ? { binds: binds as never } : {}),
            fetchAsString: ['Number', 'Date', 'JSON'],
            complete: (error, statement, rows) => {
              if (error) return reject(translate(error, this.config, 'query'));
              resolve({
                rows: jsonRows(
                  (rows ?? []) as Record<string, unknown>[],
                  statement.getColumns() as Column[] | undefined,
                ) as R[],
                rowsAffected: Number(statement.getNumUpdatedRows() ?? 0),
              });
            },
          });
        }),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.tail;
    await new Promise<void>((resolve) => this.connection.destroy(() => resolve()));
  }
}
