import type { Command } from 'commander';

/** Commands other than generate, registered in the order `--help` lists them. */
export const commands: ((program: Command) => void)[] = [];
