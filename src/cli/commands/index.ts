import type { Command } from 'commander';
import { registerConsume } from './consume.ts';
import { registerDoctor } from './doctor.ts';
import { registerMonitor } from './monitor.ts';
import { registerProduce } from './produce.ts';
import { registerRun } from './run.ts';
import { registerSetup } from './setup.ts';
import { registerTask } from './task.ts';
import { registerValidate } from './validate.ts';

/** Commands other than generate, registered in the order `--help` lists them. */
export const commands: ((program: Command) => void)[] = [
  registerSetup,
  registerProduce,
  registerConsume,
  registerTask,
  registerRun,
  registerMonitor,
  registerValidate,
  registerDoctor,
];
