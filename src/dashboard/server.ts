/** Placeholder until the dashboard lands: `run` starts it when present. */
import type { Config } from '../config/config.ts';
import type { Bus, BusConsumer } from '../bus/types.ts';
import type { PipelineStats } from '../pipeline/stats.ts';
import type { RunningDashboard } from '../pipeline/run.ts';
import type { Warehouse } from '../warehouse/types.ts';

export interface DashboardDeps {
  config: Config;
  warehouse: Warehouse;
  stats?: PipelineStats;
  bus?: Bus;
  consumer?: BusConsumer;
}

export async function startDashboard(deps: DashboardDeps): Promise<RunningDashboard> {
  return { url: `http://${deps.config.dashboard.host}:${deps.config.dashboard.port} (not built yet)`, close: async () => undefined };
}
