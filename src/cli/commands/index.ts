import type { Command } from 'commander';
import { registerAttack } from './attack.js';
import { registerPipeline } from './pipeline.js';
import { registerTrain } from './train.js';

/** Adds every subcommand; each module loads its heavy dependencies only when its command runs. */
export function registerCommands(program: Command): void {
  registerPipeline(program);
  registerTrain(program);
  registerAttack(program);
}
