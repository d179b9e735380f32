import type { Command } from 'commander';
import { openBus } from '../../bus/index.ts';
import { SeedFiles } from '../../domain/tables.ts';
import { readCustomers, readProducts } from '../../pipeline/seed-files.ts';
import { seedState } from '../../pipeline/seed-manifest.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { command } from '../run-command.ts';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'create the warehouse objects (RAW, PROD, stream, task history) and the topic; load customers and inventory; idempotent',
    )
    .option('--seed-dir <dir>', 'folder of the generated CSVs [env SEED_DIR]')
    .action(
      command(async (ctx, flags: { seedDir?: string }) => {
        const { config } = ctx.config({ SEED_DIR: flags.seedDir });
        const warehouse = await openWarehouse(config.warehouse);
        try {
          await warehouse.setup();
          ctx.log(`warehouse objects ready in ${warehouse.describe()}`);
          const seeds = seedState(config.seedDir);
          // Reference data needs customers.csv and inventory.csv only (not orders or a manifest).
          const hasReferenceFiles =
            seeds.kind === 'complete' ||
            seeds.kind === 'csv-only' ||
            (seeds.kind === 'partial' &&
              [SeedFiles.customers, SeedFiles.inventory].every((f) => seeds.present.includes(f)));
          if (hasReferenceFiles) {
            let bad = 0;
            const onBad = (b: { file: string; line: number; problem: string }) => {
              bad++;
              ctx.log(`warning: ${b.file} line ${b.line}: ${b.problem} (row skipped)`);
            };
            const loaded = await warehouse.loadReferenceData(
              readCustomers(config.seedDir, onBad),
              readProducts(config.seedDir, onBad),
            );
            ctx.log(
              `loaded ${loaded.customers} customers and ${loaded.products} products from ${config.seedDir}${bad ? ` (${bad} bad rows skipped)` : ''}`,
            );
          } else {
            const missing = [SeedFiles.customers, SeedFiles.inventory]
              .filter((f) => seeds.kind !== 'partial' || !seeds.present.includes(f))
              .join(' and ');
            ctx.log(
              `no ${missing} in ${config.seedDir}: customers and inventory not loaded (run \`npx dropship generate\`, or add the file, then setup again)`,
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
