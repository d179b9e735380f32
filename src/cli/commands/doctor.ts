import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import semver from 'semver';
import { openBus } from '../../bus/index.ts';
import type { Config } from '../../config/config.ts';
import { SeedFiles } from '../../domain/tables.ts';
import { errorMessage, PipelineError } from '../../errors.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { command, ExitCode } from '../run-command.ts';

/** `unknown`: the check cannot be made here (e.g. the local Snowflake emulator has no SHOW TASKS). */
type Status = 'ok' | 'warn' | 'fail' | 'unknown';

export interface Check {
  status: Status;
  name: string;
  detail: string;
  fix?: string | undefined;
}

const MARK: Record<Status, string> = { ok: '✓', warn: '!', fail: '✗', unknown: '?' };

function fromError(name: string, error: unknown): Check {
  return {
    status: 'fail',
    name,
    detail: errorMessage(error),
    fix: error instanceof PipelineError ? error.hint : undefined,
  };
}

async function checkBus(config: Config): Promise<Check> {
  if (config.bus.kind === 'memory') {
    return {
      status: 'ok',
      name: 'bus',
      detail:
        'in-process (KAFKA_BOOTSTRAP_SERVERS unset): `dropship run` runs every stage in one process',
    };
  }
  const bus = await openBus(config.bus);
  try {
    return { status: 'ok', name: 'bus', detail: await bus.ping() };
  } catch (error) {
    return fromError('bus', error);
  } finally {
    await bus.close().catch(() => undefined);
  }
}

/**
 * Opening the warehouse is the connection check (the login, for Snowflake); then what the
 * adapter checks inside it (Warehouse.checkObjects: session context, tables, streams, tasks).
 */
async function checkWarehouse(config: Config): Promise<Check[]> {
  if (config.warehouse.kind === 'duckdb' && !existsSync(config.warehouse.path)) {
    return [
      {
        status: 'warn',
        name: 'warehouse',
        detail: `DuckDB file ${config.warehouse.path} does not exist yet`,
        fix: 'run `npx dropship setup` (or `npx dropship run`, which creates it)',
      },
    ];
  }
  let warehouse;
  try {
    warehouse = await openWarehouse(config.warehouse);
  } catch (error) {
    return [fromError('warehouse', error)];
  }
  try {
    const counts = await warehouse.reads.tableCounts().catch(() => null);
    const checks: Check[] = [
      {
        status: 'ok',
        name: 'warehouse',
        detail: `${warehouse.describe()}${counts ? `: ${Number(counts.raw_rows ?? 0)} RAW events, ${Number(counts.prod_orders ?? 0)} PROD orders` : ''}`,
      },
    ];
    try {
      for (const c of await warehouse.checkObjects()) {
        checks.push({
          status: c.ok === null ? 'unknown' : c.ok ? 'ok' : 'fail',
          name: c.name,
          detail: c.detail,
          fix: c.fix,
        });
      }
    } catch (error) {
      checks.push(fromError('warehouse objects', error));
    }
    return checks;
  } finally {
    await warehouse.close().catch(() => undefined);
  }
}

function checkSeedFiles(config: Config): Check {
  const files = [SeedFiles.customers, SeedFiles.inventory, SeedFiles.orders, SeedFiles.manifest];
  const missing = files.filter((f) => !existsSync(join(config.seedDir, f)));
  if (missing.length === 0)
    return { status: 'ok', name: 'seed files', detail: `${files.join(', ')} in ${config.seedDir}` };
  return {
    status: 'warn',
    name: 'seed files',
    detail: `missing in ${config.seedDir}: ${missing.join(', ')}`,
    fix: '`npx dropship generate` writes them (`npx dropship run` does it when they are missing); or set SEED_DIR',
  };
}

/** Java runs the local broker (`npm run kafka:up`); only needed without Docker. */
function checkJava(config: Config): Promise<Check> {
  return new Promise((resolve) => {
    execFile('java', ['-version'], { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (error) {
        const local =
          config.bus.kind === 'kafka' &&
          config.bus.brokers.some((b) => /^(127\.0\.0\.1|localhost):/.test(b));
        resolve({
          status: 'warn',
          name: 'java',
          detail: `not found; the local broker (\`npm run kafka:up\`) needs Java 17+${local ? '' : ' (not needed for the in-process bus or a remote broker)'}`,
          fix: 'apt-get install -y openjdk-17-jre-headless maven, or use Docker: `docker compose up -d`',
        });
        return;
      }
      const version = /version "([^"]+)"/.exec(stderr)?.[1] ?? 'unknown version';
      const major = Number(version.split('.')[0]);
      resolve(
        Number.isFinite(major) && major < 17
          ? {
              status: 'warn',
              name: 'java',
              detail: `Java ${version}: the local Kafka 4 broker needs Java 17+`,
              fix: 'apt-get install -y openjdk-17-jre-headless',
            }
          : {
              status: 'ok',
              name: 'java',
              detail: `Java ${version} (for the local broker, \`npm run kafka:up\`)`,
            },
      );
    });
  });
}

/**
 * The Node versions the project supports: package.json's `engines.node`, the one definition
 * (npm checks the same range at install and warns EBADENGINE outside it).
 */
export const SUPPORTED_NODE: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  }
).engines.node;

export function checkNode(version: string = process.versions.node, range = SUPPORTED_NODE): Check {
  if (semver.satisfies(version, range))
    return { status: 'ok', name: 'node', detail: `Node ${version} (supported: ${range})` };
  return {
    status: 'fail',
    name: 'node',
    detail: `Node ${version} is not supported (package.json engines: ${range})`,
    fix: `install Node 22 or 24 LTS (at least ${semver.minVersion(range)?.version ?? range}); without a system-wide install, \`bash scripts/node-versions.sh\` puts both in .node-versions/ and prints their paths`,
  };
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the configuration, the bus, the warehouse (connection, role, warehouse, database, schema, tables, streams, tasks), the seed files and Java; print how to fix what is wrong (exit 1 if something is)',
    )
    .action(
      command(async (ctx) => {
        const checks: Check[] = [checkNode()];
        let config: Config | undefined;
        try {
          config = ctx.config().config;
          const bus =
            config.bus.kind === 'kafka'
              ? `Kafka ${config.bus.brokers.join(',')} topic ${config.topic}`
              : 'in-process bus';
          checks.push({
            status: 'ok',
            name: 'config',
            detail: `${bus}, warehouse ${config.warehouse.kind}`,
          });
        } catch (error) {
          checks.push(fromError('config', error));
        }
        if (config) {
          const [bus, warehouse, java] = await Promise.all([
            checkBus(config),
            checkWarehouse(config),
            checkJava(config),
          ]);
          checks.push(bus, ...warehouse, checkSeedFiles(config), java);
        }
        const width = Math.max(...checks.map((c) => c.name.length));
        for (const c of checks) {
          process.stdout.write(`${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}\n`);
          if (c.fix && c.status !== 'ok')
            process.stdout.write(`  ${' '.repeat(width)}  fix: ${c.fix}\n`);
        }
        const failed = checks.filter((c) => c.status === 'fail').length;
        const warned = checks.filter((c) => c.status === 'warn').length;
        const unknown = checks.filter((c) => c.status === 'unknown').length;
        process.stdout.write(
          failed > 0
            ? `${failed} problem(s) to fix${warned ? `, ${warned} warning(s)` : ''}\n`
            : `all good${warned ? ` (${warned} warning(s))` : ''}${unknown ? `; ${unknown} check(s) this warehouse cannot answer` : ''}\n`,
        );
        return failed > 0 ? ExitCode.failed : ExitCode.ok;
      }),
    );
}
