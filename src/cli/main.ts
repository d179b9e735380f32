/**
 * The `dropship` CLI: one file per command under ./commands. This folder is the only place
 * that prints to the terminal or sets the exit code.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerGenerate } from './commands/generate.ts';
import { ExitCode } from './run-command.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('dropship')
  .description('Real-time data pipeline for a dropshipping clothing shop')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .option(
    '--bootstrap-servers <list>',
    'Kafka/Redpanda brokers host:port[,…] [env KAFKA_BOOTSTRAP_SERVERS; unset = in-process bus]',
  )
  .option('--topic <name>', 'topic of order events [env KAFKA_TOPIC, default orders_topic]')
  .option(
    '--group-id <id>',
    'consumer group [env KAFKA_GROUP_ID, default snowflake-consumer-group]',
  )
  .option('--warehouse <kind>', 'duckdb or snowflake [env WAREHOUSE, default duckdb]')
  .option(
    '--duckdb-path <file>',
    'DuckDB warehouse file [env DUCKDB_PATH, default data/warehouse.duckdb]',
  )
  .configureHelp({ showGlobalOptions: true })
  .exitOverride();

registerGenerate(program);

for (const register of (await import('./commands/index.ts')).commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successes; everything else is a usage error (exit 2).
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    throw error;
  }
}
