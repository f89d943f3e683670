/**
 * The names the command line offers — the built-in architectures and the password strategies — in a module that
 * imports nothing, so that parsing a command line (and `--help`, and every usage error) loads no TensorFlow.js.
 * models/registry.ts and lock/generate.ts are typed by these lists: a name in one place and not the other does not
 * compile.
 */

/** The built-in architectures (`buildArchitecture`, `--arch`). */
export const ARCHITECTURE_NAMES = ['lenet5', 'mlp', 'resnet'] as const;
export type ArchitectureName = (typeof ARCHITECTURE_NAMES)[number];

/** How a password's values are drawn (`generatePassword`, `--strategy`); the first is the default. */
export const PASSWORD_STRATEGIES = ['hardened', 'reference', 'paper', 'random'] as const;
export type PasswordStrategy = (typeof PASSWORD_STRATEGIES)[number];
