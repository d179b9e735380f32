/**
 * The Snowflake connection layer under the adapter: one `snowflake-sdk` session, statements
 * with bound values, rows as JSON-safe objects, and the driver's errors translated into the
 * pipeline's typed errors (transient or terminal, with the setting to fix).
 *
 *   const connection = await SnowflakeConnection.open(config.warehouse);
 *   const { rows } = await connection.execute<{ n: string }>('SELECT COUNT(*) AS n FROM orders');
 *   await connection.close();
 *
 * The SDK (≈ 120 MB) is imported on first use only, so DuckDB users never load it.
 */
import type { SnowflakeConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';

type Sdk = typeof import('snowflake-sdk');
type SdkConnection = import('snowflake-sdk').Connection;
type SdkColumn = import('snowflake-sdk').Column;
type SdkError = import('snowflake-sdk').SnowflakeError;
type SdkBinds = import('snowflake-sdk').Binds;

/** A row as `execute` returns it: lower-cased column names, JSON-safe values. */
export type SnowflakeRow = Record<string, unknown>;

export interface ExecuteResult<R> {
  rows: R[];
  /** Rows inserted, updated, deleted or merged by a DML statement; 0 for anything else. */
  rowsAffected: number;
}

/** Whether `url` names this machine (traffic to it never leaves it), e.g. the local emulator. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

let sdk: Promise<Sdk> | undefined;

/**
 * Loads the SDK once. When the endpoint is on this machine (the local emulator), the driver's
 * platform detection is turned off first: at import and at login it probes cloud metadata
 * addresses (AWS, Azure, GCP) to report where it runs, which only wastes time, and traffic
 * there must not leave 127.0.0.1. A real account keeps the driver's default (its detection
 * feeds Snowflake's telemetry and workload identity); set
 * SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true yourself to turn it off. The variable is read when
 * the module loads, so it has to be set before this import; `??=` keeps a value the user set.
 */
function loadSdk(accessUrl: string | undefined): Promise<Sdk> {
  if (isLoopbackUrl(accessUrl)) process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
  sdk ??= import('snowflake-sdk').then((module) => {
    const loaded = ((module as { default?: Sdk }).default ?? module) as Sdk;
    // The driver's own log (INFO by default, to the console or snowflake.log) stays off:
    // failures reach the user once, translated below, never as driver log lines.
    loaded.configure({ logLevel: 'OFF', additionalLogToConsole: false });
    return loaded;
  });
  return sdk;
}

/** Every secret of a configuration, to scrub from any text shown to a user. */
function secretsOf(config: SnowflakeConfig): string[] {
  const { auth } = config;
  const secrets = auth.method === 'password' ? [auth.password] : [auth.privateKeyPassphrase];
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((clean, secret) => clean.split(secret).join('***'), text);
}

/** What the user sees of a statement in an error: its start, on one line. */
function statementExcerpt(sql: string): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

function endpointOf(config: SnowflakeConfig): string {
  return config.accessUrl ?? `https://${config.account}.snowflakecomputing.com`;
}

const EMULATOR_HINT = 'with the local emulator: `npm run snowflake:local`';

/**
 * The driver's error as a PipelineError. Network failures, timeouts and HTTP 5xx/429 are
 * transient (the driver has already retried them); a refused login names the settings to
 * fix; an unknown object means setup has not run; any other SQL error keeps Snowflake's code.
 */
export function translateError(
  error: unknown,
  config: SnowflakeConfig,
  during: { login: true } | { login: false; sql: string },
): PipelineError {
  const e = error as SdkError & { cause?: { code?: string; message?: string } };
  const secrets = secretsOf(config);
  const firstLine = redact(String(e?.message ?? error).split('\n')[0] ?? '', secrets);
  const code = e?.code === undefined ? undefined : String(e.code);
  const sqlState = e?.sqlState;
  const status = (e?.response as { status?: number; statusCode?: number } | undefined)?.status;
  const where = during.login ? 'logging in to' : 'running a statement on';
  const endpoint = endpointOf(config);
  // Not the driver's error itself: it holds Snowflake's text unscrubbed and its `response` the
  // whole HTTP exchange (at login, a request whose body carries the credentials). The cause
  // keeps what helps a diagnosis, scrubbed.
  const cause = Object.assign(new Error(redact(String(e?.message ?? error), secrets)), {
    name: e?.name ?? 'Error',
    ...(code ? { code } : {}),
    ...(sqlState ? { sqlState } : {}),
    ...(status ? { status } : {}),
  });
  const options = { cause };

  const network = e?.name === 'NetworkError' || code === '401001' || code === '402001';
  const overloaded = status !== undefined && (status >= 500 || status === 429);
  if (network || overloaded) {
    const what = network ? firstLine : `HTTP ${status}`;
    return new PipelineError(
      'WAREHOUSE_UNAVAILABLE',
      `Snowflake at ${endpoint} does not answer (${what}) while ${where} it`,
      {
        ...options,
        transient: true,
        hint: `check SNOW_ACCOUNT${config.accessUrl ? ' and SNOW_ACCESS_URL' : ''} and the network; ${EMULATOR_HINT}`,
      },
    );
  }
  if (status !== undefined) {
    return new PipelineError(
      'BAD_CONFIG',
      `Snowflake at ${endpoint} answered HTTP ${status} while ${where} it`,
      {
        ...options,
        hint: `check SNOW_ACCOUNT (the account identifier, e.g. myorg-myaccount)${config.accessUrl ? ' and SNOW_ACCESS_URL' : ''}`,
      },
    );
  }
  if (code?.startsWith('404')) {
    // The driver refused the connection options before sending anything.
    return new PipelineError('BAD_CONFIG', `the Snowflake settings are not usable: ${firstLine}`, {
      ...options,
      hint: 'check the SNOW_* settings (.env.example lists them)',
    });
  }
  if (during.login && config.auth.method === 'key-pair' && /^E[A-Z]+$/.test(code ?? '')) {
    // The driver reads the key file at login (the loader checked it, but it may have moved).
    return new PipelineError(
      'BAD_CONFIG',
      `SNOW_PRIVATE_KEY_PATH: cannot read the private key ${config.auth.privateKeyPath} (${code})`,
      { ...options, hint: 'point SNOW_PRIVATE_KEY_PATH at a readable PEM private key' },
    );
  }
  if (during.login) {
    const credentials =
      config.auth.method === 'password'
        ? 'SNOW_USER and SNOW_PASSWORD'
        : 'SNOW_USER and SNOW_PRIVATE_KEY_PATH (its public key must be set on the user: ALTER USER … SET RSA_PUBLIC_KEY)';
    return new PipelineError(
      'BAD_CONFIG',
      `Snowflake refused the login of user ${config.user} at ${endpoint}: ${firstLine}${code ? ` (${code})` : ''}`,
      {
        ...options,
        hint: `check ${credentials}; and SNOW_ROLE, SNOW_WAREHOUSE when the message names them`,
      },
    );
  }
  const sql = statementExcerpt(during.sql);
  if (code === '002003' || sqlState === '42S02') {
    return new PipelineError(
      'NOT_SET_UP',
      `Snowflake: ${firstLine} (${code ?? sqlState}) in: ${sql}`,
      {
        ...options,
        hint: 'run `npx dropship setup` first (it creates the tables, the stream and the task)',
      },
    );
  }
  const tag = [code, sqlState && `sqlState ${sqlState}`].filter(Boolean).join(', ');
  return new PipelineError(
    'WAREHOUSE_QUERY',
    `Snowflake error${tag ? ` ${tag}` : ''}: ${firstLine} in: ${sql}`,
    options,
  );
}

/** ISO-8601 date of a DATE value (the driver gives a Date at UTC midnight). */
const isoDate = (value: Date) => value.toISOString().slice(0, 10);

/**
 * A driver value as JSON-safe data, by the column's Snowflake type. NUMBER arrives as the
 * decimal text Snowflake sent (`fetchAsString: ['Number']`), so money and counts beyond 2^53
 * stay exact; FLOAT becomes a JS number when finite. Timestamps arrive as Dates built from
 * the epoch value (independent of the account's *_OUTPUT_FORMAT parameters, which a
 * `fetchAsString` text would follow) and leave as ISO-8601 UTC strings.
 */
function jsonValue(value: unknown, column: SdkColumn | undefined): unknown {
  if (value === null || value === undefined) return null;
  const type = column?.getType();
  if (type === 'real') {
    const number = Number(value);
    return Number.isFinite(number) ? number : String(value);
  }
  if (value instanceof Date) return type === 'date' ? isoDate(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex').toUpperCase();
  return value;
}

export class SnowflakeConnection {
  private constructor(
    private readonly connection: SdkConnection,
    private readonly config: SnowflakeConfig,
  ) {}

  /** Logs in with the configuration's credentials; rejects with a translated PipelineError. */
  static async open(config: SnowflakeConfig): Promise<SnowflakeConnection> {
    const snowflake = await loadSdk(config.accessUrl);
    const { auth } = config;
    let connection: SdkConnection;
    try {
      connection = snowflake.createConnection({
        account: config.account,
        username: config.user,
        ...(auth.method === 'password'
          ? { password: auth.password }
          : {
              authenticator: 'SNOWFLAKE_JWT',
              privateKeyPath: auth.privateKeyPath,
              ...(auth.privateKeyPassphrase ? { privateKeyPass: auth.privateKeyPassphrase } : {}),
            }),
        role: config.role,
        warehouse: config.warehouse,
        database: config.database,
        schema: config.schema,
        ...(config.accessUrl ? { accessUrl: config.accessUrl } : {}),
        application: 'dropship-pipeline',
        // Array binds stay inline in the request: above the threshold (100,000 values by
        // default) the driver would first upload them to a stage with PUT.
        arrayBindingThreshold: 1e8,
        // With fetchAsString the driver would turn NULL into the text 'NULL'.
        representNullAsStringNull: false,
        // A refused or unreachable login fails in seconds, not after the driver's 7 retries
        // (~90 s); a write that fails is retried by the ingest (RETRY.warehouse).
        sfRetryMaxLoginRetries: 2,
        // Long-running consumers idle between batches: keep the session from expiring.
        clientSessionKeepAlive: true,
      });
    } catch (error) {
      throw translateError(error, config, { login: true });
    }
    await new Promise<void>((resolve, reject) =>
      connection.connect((error) =>
        error ? reject(translateError(error, config, { login: true })) : resolve(),
      ),
    );
    return new SnowflakeConnection(connection, config);
  }

  /**
   * Runs one statement. `binds` are positional values for `?` (strings, numbers, booleans,
   * null, Dates), or one array of values per row for an array bind (sent column-wise in one
   * request: `INSERT … SELECT ?, PARSE_JSON(?)` with 10,000 rows is one statement).
   *
   * A transient error on a write means its outcome is unknown: the driver had already
   * retried the request (with the same request id, which Snowflake deduplicates).
   */
  execute<R = SnowflakeRow>(
    sql: string,
    binds?: readonly unknown[] | readonly (readonly unknown[])[],
  ): Promise<ExecuteResult<R>> {
    return new Promise((resolve, reject) => {
      try {
        this.connection.execute({
          sqlText: sql,
          ...(binds ? { binds: binds as SdkBinds } : {}),
          fetchAsString: ['Number'],
          complete: (error, statement, rows) => {
            if (error) return reject(translateError(error, this.config, { login: false, sql }));
            const columns = new Map(
              (statement.getColumns() ?? []).map((column) => [column.getName(), column]),
            );
            const shaped = (rows ?? []).map((row: Record<string, unknown>) => {
              const out: SnowflakeRow = {};
              for (const [name, value] of Object.entries(row))
                out[name.toLowerCase()] = jsonValue(value, columns.get(name));
              return out as R;
            });
            const affected = statement.getNumUpdatedRows();
            resolve({
              rows: shaped,
              rowsAffected: typeof affected === 'number' && affected > 0 ? affected : 0,
            });
          },
        });
      } catch (error) {
        // The driver checks the options synchronously (bad binds, bad SQL text type).
        reject(translateError(error, this.config, { login: false, sql }));
      }
    });
  }

  /** Ends the session (idempotent). */
  close(): Promise<void> {
    if (!this.connection.isUp()) return Promise.resolve();
    return new Promise((resolve) => this.connection.destroy(() => resolve()));
  }
}
