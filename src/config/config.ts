/**
 * Configuration: flags > environment > .env > defaults, validated by one zod schema that is
 * discriminated on the bus and warehouse kinds. Errors name the variable and the flag.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { PipelineError } from '../errors.ts';
import { identifierProblem } from '../warehouse/snowflake/identifier.ts';
import { parseDuration } from './duration.ts';
import { SETTINGS, type SettingName } from './settings.ts';

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'must be host:port');
const number = () => z.coerce.number({ message: 'must be a number' });
const positiveInt = (min: number) =>
  number().int('must be an integer').min(min, `must be ≥ ${min}`);
/** A duration of at least `minMs` (a task every 10 ms floods its history and the warehouse). */
const duration = (minMs: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (!Number.isFinite(ms) || ms <= 0) {
      // The loader appends `(got "…")`: the message must not repeat it.
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration like "5 seconds" or "1 minute"',
      });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatMs(minMs)}` });
      return z.NEVER;
    }
    return ms;
  });

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} second${ms === 1000 ? '' : 's'}` : `${ms} ms`;
}

/** Shortest periods accepted: the task's own schedule, and `run`'s (kept short so tests and the dashboard move). */
export const MIN_TASK_SCHEDULE_MS = 1000;
export const MIN_RUN_TASK_SCHEDULE_MS = 100;
/** Below this, valid events of ours (~300 bytes, longer ids and fields allowed) could be refused. */
export const MIN_MAX_EVENT_BYTES = 1024;

const BusConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memory'), partitions: z.number().int().min(1) }),
  z.object({
    kind: z.literal('kafka'),
    brokers: z.array(hostPort).min(1),
    groupId: z.string().min(1),
    dlqTopic: z.string().min(1),
    partitions: z.number().int().min(1),
    clientId: z.string().min(1),
  }),
]);

const SnowflakeAuth = z.discriminatedUnion('method', [
  z.object({ method: z.literal('password'), password: z.string().min(1) }),
  z.object({
    method: z.literal('key-pair'),
    /** Absolute path of a readable PEM private key (checked when the config is loaded). */
    privateKeyPath: z.string().min(1),
    privateKeyPassphrase: z.string().min(1).optional(),
  }),
]);

const WarehouseConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('duckdb'), path: z.string().min(1) }),
  z.object({
    kind: z.literal('snowflake'),
    account: z.string().min(1),
    user: z.string().min(1),
    auth: SnowflakeAuth,
    role: z.string().min(1),
    warehouse: z.string().min(1),
    database: z.string().min(1),
    schema: z.string().min(1),
    /** The account endpoint when it is not <account>.snowflakecomputing.com (an origin, no path). */
    accessUrl: z.url().optional(),
  }),
]);

const snowflakeIdentifier = z.string().superRefine((name, ctx) => {
  const problem = identifierProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const snowflakeAccount = z
  .string({ message: 'is required when WAREHOUSE=snowflake' })
  .min(1, 'is required when WAREHOUSE=snowflake')
  .refine(
    (account) => !/:\/\/|snowflakecomputing\.com/i.test(account),
    'must be the account identifier (e.g. myorg-myaccount), not a URL; a full URL goes in SNOW_ACCESS_URL',
  );

const accessUrl = z.string().transform((text, ctx) => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(
      'must be a URL such as https://myorg-myaccount.snowflakecomputing.com or http://127.0.0.1:8085',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return fail(`must start with https:// or http:// (got ${url.protocol}//)`);
  if (url.username || url.password)
    return fail('must not hold a user or password: use SNOW_USER and SNOW_PASSWORD');
  if (url.pathname !== '/' || url.search || url.hash)
    return fail('must be the account endpoint alone, without a path or query');
  return url.origin;
});

/** A URL shown in an error, without the user and password it may (wrongly) carry. */
function withoutCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

export const ConfigSchema = z.object({
  seedDir: z.string().min(1),
  topic: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'must be a valid topic name'),
  bus: BusConfig,
  warehouse: WarehouseConfig,
  produceRate: z.number().min(0),
  produceTimeScale: z.number().min(1),
  ingest: z.object({
    batchSize: z.number().int().min(1),
    batchWaitMs: z.number().int().min(1),
    maxEventBytes: z.number().int().min(MIN_MAX_EVENT_BYTES),
  }),
  task: z.object({
    scheduleMs: z.number().positive(),
    scheduleText: z.string(),
    runScheduleMs: z.number().positive(),
  }),
  runRate: z.number().min(0),
  dashboard: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }),
  reportsDir: z.string().min(1),
  freshnessThresholdMs: z.number().positive(),
});

export type Config = z.infer<typeof ConfigSchema>;
export type BusConfig = Config['bus'];
export type WarehouseConfig = Config['warehouse'];
export type SnowflakeConfig = Extract<WarehouseConfig, { kind: 'snowflake' }>;
export type SnowflakeAuthConfig = z.infer<typeof SnowflakeAuth>;

export type Overrides = Partial<Record<SettingName, string | number | undefined>>;

/** Where the value of each setting came from, for `doctor` and the validation report. */
export type Sources = Record<SettingName, 'flag' | 'env' | '.env' | 'default' | 'unset'>;

export interface LoadOptions {
  /** Values given on the command line, by setting name. */
  flags?: Overrides;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function readDotenv(cwd: string): Record<string, string> {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return {};
  try {
    return parseDotenv(readFileSync(path));
  } catch (cause) {
    throw new PipelineError('BAD_CONFIG', `cannot read ${path}: ${(cause as Error).message}`, {
      hint: 'fix or remove the .env file',
      cause,
    });
  }
}

function settingLabel(name: SettingName): string {
  const def = SETTINGS.find((s) => s.env === name);
  const flag = def && 'flag' in def ? ` (${def.flag})` : '';
  return `${name}${flag}`;
}

/** Edit distance of two short names (a typo is 1 or 2). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}

const SETTING_PREFIXES = new Set(SETTINGS.map((s) => `${s.env.split('_')[0]}_`));

/**
 * Keys of .env that look like settings but are none (`KAFKA_BOOTSTRAP_SERVER` without its S
 * would silently leave the in-process bus selected). Keys of other tools (NODE_OPTIONS…) are
 * left alone: .env is shared.
 */
function unknownDotenvKeys(dotenv: Record<string, string>): string[] {
  const names = SETTINGS.map((s) => s.env as string);
  const warnings: string[] = [];
  for (const key of Object.keys(dotenv)) {
    if (names.includes(key)) continue;
    const nearest = names
      .map((name) => ({ name, d: distance(key, name) }))
      .sort((a, b) => a.d - b.d)[0]!;
    const typo = nearest.d <= 2;
    if (!typo && !SETTING_PREFIXES.has(`${key.split('_')[0]}_`)) continue;
    warnings.push(
      `.env: ${key} is not a dropship setting${typo ? ` (did you mean ${nearest.name}?)` : ''}; it is ignored (.env.example lists every setting)`,
    );
  }
  return warnings;
}

export function loadConfig(options: LoadOptions = {}): {
  config: Config;
  sources: Sources;
  /** What the user should know but that stops nothing (unknown keys in .env). */
  warnings: string[];
} {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const dotenv = readDotenv(cwd);
  const warnings = unknownDotenvKeys(dotenv);
  const sources = {} as Sources;
  const raw = {} as Record<SettingName, string | undefined>;
  for (const setting of SETTINGS) {
    const name = setting.env;
    const flag = options.flags?.[name];
    if (flag !== undefined && flag !== '') {
      raw[name] = String(flag);
      sources[name] = 'flag';
    } else if (env[name] !== undefined && env[name] !== '') {
      raw[name] = env[name];
      sources[name] = 'env';
    } else if (dotenv[name] !== undefined && dotenv[name] !== '') {
      raw[name] = dotenv[name];
      sources[name] = '.env';
    } else if ('default' in setting) {
      raw[name] = setting.default;
      sources[name] = 'default';
    } else {
      raw[name] = undefined;
      sources[name] = 'unset';
    }
  }

  // Parse scalar settings one by one so each error names its variable.
  const field = <T>(
    name: SettingName,
    schema: z.ZodType<T>,
    shown: (value: string) => string = (value) => value,
  ): T => {
    const result = schema.safeParse(raw[name]);
    if (!result.success) {
      const message = result.error.issues[0]?.message ?? 'invalid';
      const value = raw[name];
      throw new PipelineError(
        'BAD_CONFIG',
        `${settingLabel(name)}: ${message} (got ${value === undefined ? 'nothing' : JSON.stringify(isSecret(name) ? '***' : shown(value))})`,
        {
          hint: 'fix the flag, the environment variable or the .env entry; .env.example lists every setting',
        },
      );
    }
    return result.data;
  };
  const text = z.string().min(1, 'must not be empty');
  const topic = field('KAFKA_TOPIC', text);
  const partitions = field('KAFKA_PARTITIONS', positiveInt(1));
  const bootstrap = raw.KAFKA_BOOTSTRAP_SERVERS?.trim();
  const bus: BusConfig = bootstrap
    ? {
        kind: 'kafka',
        brokers: field(
          'KAFKA_BOOTSTRAP_SERVERS',
          z
            .string()
            .transform((s) => s.split(',').map((b) => b.trim()))
            .pipe(z.array(hostPort)),
        ),
        groupId: field('KAFKA_GROUP_ID', text),
        dlqTopic: raw.KAFKA_DLQ_TOPIC ?? `${topic}.dlq`,
        partitions,
        clientId: field('KAFKA_CLIENT_ID', text),
      }
    : { kind: 'memory', partitions };

  const warehouseKind = field(
    'WAREHOUSE',
    z.enum(['duckdb', 'snowflake'], { message: 'must be "duckdb" or "snowflake"' }),
  );
  const warehouse: WarehouseConfig =
    warehouseKind === 'duckdb'
      ? { kind: 'duckdb', path: resolve(cwd, field('DUCKDB_PATH', text)) }
      : {
          kind: 'snowflake',
          account: field('SNOW_ACCOUNT', snowflakeAccount),
          user: field(
            'SNOW_USER',
            z.string({ message: 'is required when WAREHOUSE=snowflake' }).min(1),
          ),
          auth: snowflakeAuth(raw, cwd),
          role: field('SNOW_ROLE', text),
          warehouse: field('SNOW_WAREHOUSE', snowflakeIdentifier),
          database: field('SNOW_DATABASE', snowflakeIdentifier),
          schema: field('SNOW_SCHEMA', snowflakeIdentifier),
          ...(raw.SNOW_ACCESS_URL?.trim()
            ? {
                accessUrl: field(
                  'SNOW_ACCESS_URL',
                  z.string().trim().pipe(accessUrl),
                  withoutCredentials,
                ),
              }
            : {}),
        };

  const candidate = {
    seedDir: resolve(cwd, field('SEED_DIR', text)),
    topic,
    bus,
    warehouse,
    produceRate: field('PRODUCE_RATE', number().min(0, 'must be ≥ 0 (0 = as fast as possible)')),
    produceTimeScale: field('PRODUCE_TIME_SCALE', number().min(1, 'must be ≥ 1 (1 = real time)')),
    ingest: {
      batchSize: field('INGEST_BATCH_SIZE', positiveInt(1)),
      batchWaitMs: field('INGEST_BATCH_WAIT_MS', positiveInt(1)),
      maxEventBytes: field('MAX_EVENT_BYTES', positiveInt(MIN_MAX_EVENT_BYTES)),
    },
    task: {
      scheduleMs: field('TASK_SCHEDULE', duration(MIN_TASK_SCHEDULE_MS)),
      scheduleText: raw.TASK_SCHEDULE ?? '',
      runScheduleMs: field('RUN_TASK_SCHEDULE', duration(MIN_RUN_TASK_SCHEDULE_MS)),
    },
    runRate: field('RUN_RATE', number().min(0, 'must be ≥ 0')),
    dashboard: {
      host: field('DASHBOARD_HOST', text),
      port: field('DASHBOARD_PORT', positiveInt(0).max(65535, 'must be ≤ 65535')),
    },
    reportsDir: resolve(cwd, field('REPORTS_DIR', text)),
    freshnessThresholdMs: field('FRESHNESS_THRESHOLD', duration(1)),
  };
  const config = ConfigSchema.parse(candidate);
  return { config, sources, warnings };
}

/**
 * Snowflake authentication from the settings: key pair when SNOW_PRIVATE_KEY_PATH is set (the
 * key file is read now, so a missing file, a file that is not a private key or a wrong
 * passphrase is reported before any connection), else the password. Messages never show a
 * secret, the key, or its passphrase.
 */
function snowflakeAuth(
  raw: Record<SettingName, string | undefined>,
  cwd: string,
): SnowflakeAuthConfig {
  const keyPath = raw.SNOW_PRIVATE_KEY_PATH?.trim();
  if (!keyPath) {
    if (raw.SNOW_PASSWORD) return { method: 'password', password: raw.SNOW_PASSWORD };
    throw new PipelineError(
      'BAD_CONFIG',
      'SNOW_PASSWORD or SNOW_PRIVATE_KEY_PATH: one is required when WAREHOUSE=snowflake (got neither)',
      {
        hint: 'set SNOW_PASSWORD, or SNOW_PRIVATE_KEY_PATH to the PEM private key of SNOW_USER (key-pair authentication), in the environment or .env',
      },
    );
  }
  const path = resolve(cwd, keyPath);
  const bad = (setting: SettingName, message: string, hint: string, cause?: unknown) =>
    new PipelineError('BAD_CONFIG', `${setting}: ${message}`, { hint, cause });
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw bad(
      'SNOW_PRIVATE_KEY_PATH',
      `cannot read the private key file ${path} (${code})`,
      'point SNOW_PRIVATE_KEY_PATH at a readable PEM file (a relative path is taken from the current directory)',
      cause,
    );
  }
  if (!/-----BEGIN (ENCRYPTED |RSA )?PRIVATE KEY-----/.test(pem))
    throw bad(
      'SNOW_PRIVATE_KEY_PATH',
      `${path} is not a PEM private key (no "-----BEGIN PRIVATE KEY-----" line)`,
      'give the private key (e.g. rsa_key.p8 from `openssl pkcs8 -topk8`), not the public key',
    );
  const passphrase = raw.SNOW_PRIVATE_KEY_PASSPHRASE || undefined;
  try {
    createPrivateKey({ key: pem, format: 'pem', ...(passphrase ? { passphrase } : {}) });
  } catch {
    // The cause is left out on purpose: crypto errors are not meant for users and say nothing
    // the message does not, and the key stays out of every error object.
    throw passphrase
      ? bad(
          'SNOW_PRIVATE_KEY_PASSPHRASE',
          `does not decrypt the private key ${path}`,
          'set the passphrase the key was encrypted with',
        )
      : bad(
          'SNOW_PRIVATE_KEY_PASSPHRASE',
          `the private key ${path} cannot be read without a passphrase (encrypted, or damaged)`,
          'set SNOW_PRIVATE_KEY_PASSPHRASE to the passphrase of the key',
        );
  }
  return {
    method: 'key-pair',
    privateKeyPath: path,
    ...(passphrase ? { privateKeyPassphrase: passphrase } : {}),
  };
}

export function isSecret(name: string): boolean {
  return SETTINGS.some((s) => s.env === name && 'secret' in s && s.secret);
}

/**
 * The configuration with secrets removed, for reports, logs and the dashboard. The private
 * key's path is hidden too: it tells a reader of a report where the key of a production user
 * lies on the machine.
 */
export function publicConfig(config: Config): Record<string, unknown> {
  if (config.warehouse.kind !== 'snowflake') return { ...config };
  const { auth } = config.warehouse;
  const shownAuth =
    auth.method === 'password'
      ? { method: auth.method, password: '***' }
      : {
          method: auth.method,
          privateKeyPath: '***',
          ...(auth.privateKeyPassphrase ? { privateKeyPassphrase: '***' } : {}),
        };
  return { ...config, warehouse: { ...config.warehouse, auth: shownAuth } };
}
