import type { Command } from 'commander';
import { openBus } from '../../bus/index.ts';
import { join } from 'node:path';
import type { Manifest } from '../../domain/manifest.ts';
import { SeedFiles } from '../../domain/tables.ts';
import { describeReplacedSeed, loadSeed } from '../../pipeline/load-seed.ts';
import { readManifest } from '../../pipeline/seed-files.ts';
import {
  buildManifestFromFiles,
  partialSeedError,
  seedState,
} from '../../pipeline/seed-manifest.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { command } from '../run-command.ts';
import { fromSetting } from '../help.ts';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'create the warehouse objects (RAW, PROD, stream, task history) and the topic; load customers and inventory; idempotent',
    )
    .option('--seed-dir <dir>', `folder of the seed CSVs${fromSetting('SEED_DIR')}`)
    .action(
      command(async (ctx, flags: { seedDir?: string }) => {
        const { config } = ctx.config({ SEED_DIR: flags.seedDir });
        const warehouse = await openWarehouse(config.warehouse);
        try {
          await warehouse.setup();
          ctx.log(`warehouse objects ready in ${warehouse.describe()}`);
          const seed = seedState(config.seedDir);
          if (seed.kind === 'partial') throw partialSeedError(config.seedDir, seed);
          if (seed.kind !== 'empty') {
            let bad = 0;
            const onBad = (b: { file: string; line: number; problem: string }) => {
              bad++;
              ctx.log(`warning: ${b.file} line ${b.line}: ${b.problem} (row skipped)`);
            };
            let manifest: Manifest;
            if (seed.kind === 'csv-only') {
              ctx.log(
                `${config.seedDir} holds the CSVs without manifest.json: building the manifest from them (the CSVs are only read)`,
              );
              manifest = await buildManifestFromFiles(config.seedDir, () => undefined);
              ctx.log(
                `wrote ${config.seedDir}/manifest.json: ${manifest.totals.orders} orders (revenue ${manifest.totals.revenue} EUR)`,
              );
            } else {
              manifest = await readManifest(join(config.seedDir, SeedFiles.manifest));
            }
            const loaded = await loadSeed(warehouse, config.seedDir, manifest, onBad);
            ctx.log(
              `loaded ${loaded.customers} customers and ${loaded.products} products from ${config.seedDir}${bad ? ` (${bad} bad rows skipped)` : ''}${loaded.uncostedNote}; its manifest is stored in the warehouse (validation reconciles against it)`,
            );
            const replaced = describeReplacedSeed(loaded);
            if (replaced) ctx.log(replaced);
          } else {
            ctx.log(
              `no seed files in ${config.seedDir}: customers and inventory not loaded (run \`npx dropship generate\`, then setup again)`,
            );
          }
        } finally {
          await warehouse.close();
        }
        if (config.bus.kind === 'kafka') {
          const bus = await openBus(config.bus);
          try {
            await bus.ensureTopic(config.topic, config.bus.partitions);
            await bus.ensureTopic(config.bus.dlqTopic, 1);
            ctx.log(
              `topics ${config.topic} (${config.bus.partitions} partitions) and ${config.bus.dlqTopic} ready on ${config.bus.brokers.join(',')}`,
            );
          } finally {
            await bus.close();
          }
        }
      }),
    );
}
