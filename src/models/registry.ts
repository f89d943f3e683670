import { InvalidArgumentError } from '../util/errors.js';
import type { ArchitectureName } from '../util/names.js';
import { buildLeNet5 } from './lenet5.js';
import { buildMlp } from './mlp.js';
import { buildResNet } from './resnet.js';
import type { ArchitectureOptions, LockableModel } from './types.js';

export type { ArchitectureName } from '../util/names.js';

/** The built-in architectures by name, as the CLI's `--arch` takes them (the names: util/names.ts). */
export const ARCHITECTURES = {
  lenet5: buildLeNet5,
  mlp: buildMlp,
  resnet: buildResNet,
} as const satisfies Record<ArchitectureName, (options: ArchitectureOptions) => LockableModel>;

/** One of edgepro's own architectures by name (`lenet5`, `mlp`, `resnet`); an unknown name is an InvalidArgumentError listing them. */
export function buildArchitecture(name: string, options: ArchitectureOptions = {}): LockableModel {
  const build = (ARCHITECTURES as Record<string, (o: ArchitectureOptions) => LockableModel>)[name];
  if (build === undefined) {
    throw new InvalidArgumentError(`unknown architecture "${name}" (choose one of ${Object.keys(ARCHITECTURES).join(', ')})`);
  }
  return build(options);
}
