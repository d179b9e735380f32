/**
 * Every setting of the pipeline, described once: its environment variable, the CLI flag that
 * overrides it, its default and what it means. The loader validates with these, `.env.example`
 * is checked against them by a test, and the README's configuration table mirrors them.
 */
export interface SettingDefinition {
  env: string;
  flag?: string;
  default?: string;
  secret?: boolean;
  description: string;
}

export const SETTINGS = [
  // Data
  {
    env: 'SEED_DIR',
    flag: '--seed-dir (generate: --output-dir)',
    default: 'data/seed',
    description: 'Folder of customers.csv, inventory.csv, orders.csv and manifest.json.',
  },
  // Bus
  {
    env: 'KAFKA_BOOTSTRAP_SERVERS',
    flag: '--bootstrap-servers',
    description: 'Kafka/Redpanda brokers (host:port,…). Unset = in-process bus (single process).',
  },
  {
    env: 'KAFKA_TOPIC',
    flag: '--topic',
    default: 'orders_topic',
    description: 'Topic of order events.',
  },
  {
    env: 'KAFKA_GROUP_ID',
    flag: '--group-id',
    default: 'snowflake-consumer-group',
    description: 'Consumer group of the ingest (bus → RAW).',
  },
  {
    env: 'KAFKA_DLQ_TOPIC',
    description: 'Dead-letter topic for events that cannot be read. Default: <KAFKA_TOPIC>.dlq.',
  },
  {
    env: 'KAFKA_PARTITIONS',
    default: '3',
    description: 'Partitions of the topic when `dropship setup` creates it.',
  },
  {
    env: 'KAFKA_CLIENT_ID',
    default: 'dropship-pipeline',
    description: 'Client id sent to the brokers.',
  },
  // Warehouse
  {
    env: 'WAREHOUSE',
    flag: '--warehouse',
    default: 'duckdb',
    description: 'duckdb (embedded file) or snowflake.',
  },
  {
    env: 'DUCKDB_PATH',
    flag: '--duckdb-path',
    default: 'data/warehouse.duckdb',
    description: 'DuckDB warehouse file.',
  },
  {
    env: 'SNOW_ACCOUNT',
    description:
      'Snowflake account identifier, e.g. myorg-myaccount (WAREHOUSE=snowflake; required). Not a URL: that goes in SNOW_ACCESS_URL.',
  },
  { env: 'SNOW_USER', description: 'Snowflake user (required).' },
  {
    env: 'SNOW_PASSWORD',
    secret: true,
    description:
      'Snowflake password (never printed or logged). This or SNOW_PRIVATE_KEY_PATH is required; the key wins when both are set.',
  },
  {
    env: 'SNOW_PRIVATE_KEY_PATH',
    description:
      'Key-pair authentication: path of the PEM private key (PKCS#8, e.g. rsa_key.p8) whose public key is set on SNOW_USER.',
  },
  {
    env: 'SNOW_PRIVATE_KEY_PASSPHRASE',
    secret: true,
    description:
      'Passphrase of SNOW_PRIVATE_KEY_PATH when the key is encrypted (never printed or logged).',
  },
  { env: 'SNOW_ROLE', default: 'ACCOUNTADMIN', description: 'Snowflake role.' },
  {
    env: 'SNOW_WAREHOUSE',
    default: 'mon_entrepot',
    description: 'Snowflake virtual warehouse (an unquoted identifier).',
  },
  {
    env: 'SNOW_DATABASE',
    default: 'ma_base',
    description: 'Snowflake database (an unquoted identifier).',
  },
  {
    env: 'SNOW_SCHEMA',
    default: 'mon_schema',
    description: 'Snowflake schema (an unquoted identifier).',
  },
  {
    env: 'SNOW_ACCESS_URL',
    description:
      'Full URL of the account endpoint when it is not https://<SNOW_ACCOUNT>.snowflakecomputing.com, e.g. http://127.0.0.1:8085 for the local emulator (npm run snowflake:local).',
  },
  // Stages
  {
    env: 'PRODUCE_RATE',
    flag: '--rate (produce)',
    default: '10',
    description: 'Events per second published by `produce` (0 = as fast as possible).',
  },
  {
    env: 'PRODUCE_TIME_SCALE',
    flag: '--time-scale',
    default: '10000',
    description:
      'Shop seconds per wall second of the live stream (`produce --mode stream`, `run` after its replay): its orders are paid, shipped, delivered and returned this much faster than in life, so at 10000 a delivery (1.6 to 18 days) takes ~14 s to ~2.6 min. At least 1 (real time).',
  },
  {
    env: 'INGEST_BATCH_SIZE',
    flag: '--batch-size (consume)',
    default: '100000',
    description:
      'Largest batch the ingest takes from the bus (fewer when fewer are waiting). It is written to RAW in transactions of up to 25,000 records.',
  },
  {
    env: 'INGEST_BATCH_WAIT_MS',
    flag: '--batch-wait-ms (consume)',
    default: '500',
    description: 'Longest wait before a partial batch is written.',
  },
  {
    env: 'MAX_EVENT_BYTES',
    default: '65536',
    description:
      'Largest bus event the ingest accepts, in bytes (64 KiB; at least 1024). A larger one is never written to RAW: it goes to orders_quarantine (and the DLQ topic) with reason too_large.',
  },
  {
    env: 'TASK_SCHEDULE',
    flag: '--every (task run)',
    default: '1 minute',
    description:
      'Period of the RAW → PROD task in `task run --every` and `consume` (`5 seconds`, `1 minute`; at least 1 second). `dropship run` uses RUN_TASK_SCHEDULE.',
  },
  {
    env: 'RUN_TASK_SCHEDULE',
    default: '2 seconds',
    description:
      'Task period inside `dropship run`, short so the dashboard moves (at least 100 ms).',
  },
  {
    env: 'RUN_RATE',
    flag: '--rate (run)',
    default: '25',
    description: 'Replay rate of `dropship run` (events per second) so a person sees numbers move.',
  },
  {
    env: 'DASHBOARD_HOST',
    flag: '--host',
    default: '127.0.0.1',
    description: 'Address the dashboard listens on.',
  },
  { env: 'DASHBOARD_PORT', flag: '--port', default: '8501', description: 'Port of the dashboard.' },
  {
    env: 'REPORTS_DIR',
    flag: '--output-dir (validate)',
    default: 'reports',
    description: 'Where `validate` writes its JSON reports.',
  },
  {
    env: 'FRESHNESS_THRESHOLD',
    default: '15 minutes',
    description: 'Age of the last ingested event above which validation warns.',
  },
] as const satisfies readonly SettingDefinition[];

export type SettingName = (typeof SETTINGS)[number]['env'];

/** The default of a setting, as documented (undefined when it has none). */
export function settingDefault(env: SettingName): string | undefined {
  const setting: SettingDefinition | undefined = SETTINGS.find((s) => s.env === env);
  return setting?.default;
}
