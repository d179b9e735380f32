import type { Command } from 'commander';
import { registerRun } from './run.ts';
import { registerSetup } from './setup.ts';
import { registerTask } from './task.ts';

/** Commands other than generate, registered in the order `--help` lists them. */
export const commands: ((program: Command) => void)[] = [registerSetup, registerTask, registerRun];
