import type { Command } from 'commander';
import { openBus } from '../../bus/index.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { command } from '../run-command.ts';
import { fromSetting } from '../help.ts';

export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description(
      'serve the live dashboard (JSON API and /metrics) over the warehouse until stopped (Ctrl-C)',
    )
    .option('--port <n>', `port to listen on${fromSetting('DASHBOARD_PORT')}`)
    .option('--host <host>', `address to listen on${fromSetting('DASHBOARD_HOST')}`)
    .action(
      command(async (ctx, flags: { port?: string; host?: string }) => {
        const { config } = ctx.config({ DASHBOARD_PORT: flags.port, DASHBOARD_HOST: flags.host });
        // A DuckDB file owned by `dropship run` fails here with WAREHOUSE_LOCKED, whose hint
        // points at the dashboard that process already serves.
        const warehouse = await openWarehouse(config.warehouse);
        // With Kafka the consumer lag is read from the broker (the group's committed offsets);
        // the in-process bus of another process is out of reach, so there is none to open.
        const kafka = config.bus.kind === 'kafka' ? config.bus : undefined;
        const bus = kafka ? await openBus(kafka) : undefined;
        try {
          // Loaded here, not at the top: every command would otherwise load the dashboard and
          // prom-client (~20 MB of RSS in `generate`, whose 10M-order run has a memory target).
          const { startDashboard } = await import('../../dashboard/server.ts');
          const dashboard = await startDashboard({ config, warehouse, ...(bus ? { bus } : {}) });
          ctx.log(
            `dashboard: ${dashboard.url} (reading ${warehouse.describe()}${kafka ? `, lag of group ${kafka.groupId} from ${kafka.brokers.join(',')}` : ''}; Ctrl-C to stop)`,
          );
          if (!ctx.signal.aborted)
            await new Promise<void>((resolve) =>
              ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
            );
          await dashboard.close();
          ctx.log('dashboard stopped');
        } finally {
          await bus?.close();
          await warehouse.close();
        }
      }),
    );
}
