/**
 * The `dropship` command tree, built apart from parsing so tests can walk every command and
 * option (help texts against the settings table).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerGenerate } from './commands/generate.ts';
import { fromSetting } from './help.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export async function buildProgram(): Promise<Command> {
  const program = new Command('dropship')
    .description('Real-time data pipeline for a dropshipping clothing shop')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .option(
      '--bootstrap-servers <list>',
      `Kafka/Redpanda brokers host:port[,…]${fromSetting('KAFKA_BOOTSTRAP_SERVERS', 'unset = in-process bus')}`,
    )
    .option('--topic <name>', `topic of order events${fromSetting('KAFKA_TOPIC')}`)
    .option('--group-id <id>', `consumer group${fromSetting('KAFKA_GROUP_ID')}`)
    .option('--warehouse <kind>', `duckdb or snowflake${fromSetting('WAREHOUSE')}`)
    .option('--duckdb-path <file>', `DuckDB warehouse file${fromSetting('DUCKDB_PATH')}`)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();

  registerGenerate(program);

  for (const register of (await import('./commands/index.ts')).commands) register(program);
  return program;
}
