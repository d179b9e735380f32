/**
 * Configuration: flags > environment > .env > defaults, validated by one zod schema that is
 * discriminated on the bus and warehouse kinds. Errors name the variable and the flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { PipelineError } from '../errors.ts';
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

const WarehouseConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('duckdb'), path: z.string().min(1) }),
  z.object({
    kind: z.literal('snowflake'),
    account: z.string().min(1, 'is required when WAREHOUSE=snowflake'),
    user: z.string().min(1, 'is required when WAREHOUSE=snowflake'),
    password: z.string().min(1, 'is required when WAREHOUSE=snowflake'),
    role: z.string().min(1),
    warehouse: z.string().min(1),
    database: z.string().min(1),
    schema: z.string().min(1),
  }),
]);

export const ConfigSchema = z.object({
  seedDir: z.string().min(1),
  topic: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'must be a valid topic name'),
  bus: BusConfig,
  warehouse: WarehouseConfig,
  produceRate: z.number().min(0),
  ingest: z.object({ batchSize: z.number().int().min(1), batchWaitMs: z.number().int().min(1) }),
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

export function loadConfig(options: LoadOptions = {}): { config: Config; sources: Sources } {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const dotenv = readDotenv(cwd);
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
  const field = <T>(name: SettingName, schema: z.ZodType<T>): T => {
    const result = schema.safeParse(raw[name]);
    if (!result.success) {
      const message = result.error.issues[0]?.message ?? 'invalid';
      throw new PipelineError(
        'BAD_CONFIG',
        `${settingLabel(name)}: ${message} (got ${raw[name] === undefined ? 'nothing' : JSON.stringify(isSecret(name) ? '***' : raw[name])})`,
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
          account: field(
            'SNOW_ACCOUNT',
            z.string({ message: 'is required when WAREHOUSE=snowflake' }).min(1),
          ),
          user: field(
            'SNOW_USER',
            z.string({ message: 'is required when WAREHOUSE=snowflake' }).min(1),
          ),
          password: field(
            'SNOW_PASSWORD',
            z.string({ message: 'is required when WAREHOUSE=snowflake' }).min(1),
          ),
          role: field('SNOW_ROLE', text),
          warehouse: field('SNOW_WAREHOUSE', text),
          database: field('SNOW_DATABASE', text),
          schema: field('SNOW_SCHEMA', text),
        };

  const candidate = {
    seedDir: resolve(cwd, field('SEED_DIR', text)),
    topic,
    bus,
    warehouse,
    produceRate: field('PRODUCE_RATE', number().min(0, 'must be ≥ 0 (0 = as fast as possible)')),
    ingest: {
      batchSize: field('INGEST_BATCH_SIZE', positiveInt(1)),
      batchWaitMs: field('INGEST_BATCH_WAIT_MS', positiveInt(1)),
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
  return { config, sources };
}

export function isSecret(name: string): boolean {
  return SETTINGS.some((s) => s.env === name && 'secret' in s && s.secret);
}

/** The configuration with secrets removed, for reports, logs and the dashboard. */
export function publicConfig(config: Config): Record<string, unknown> {
  const warehouse =
    config.warehouse.kind === 'snowflake'
      ? { ...config.warehouse, password: '***' }
      : config.warehouse;
  return { ...config, warehouse };
}
