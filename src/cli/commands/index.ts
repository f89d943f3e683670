import type { Command } from 'commander';
import { registerAttack } from './attack.js';
import { registerBench } from './bench.js';
import { registerEval } from './eval.js';
import { registerInfer } from './infer.js';
import { registerKeygen } from './keygen.js';
import { registerLicence } from './licence.js';
import { registerPipeline } from './pipeline.js';
import { registerProtect } from './protect.js';
import { registerRekey } from './rekey.js';
import { registerSeal } from './seal.js';
import { registerTrain } from './train.js';

/** Adds every subcommand; each module loads its heavy dependencies only when its command runs. */
export function registerCommands(program: Command): void {
  registerPipeline(program);
  registerTrain(program);
  registerProtect(program);
  registerSeal(program);
  registerRekey(program);
  registerEval(program);
  registerKeygen(program);
  registerLicence(program);
  registerInfer(program);
  registerBench(program);
  registerAttack(program);
}
