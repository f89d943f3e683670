/**
 * Names of the built-in architectures, for --arch and --help. Kept apart from models/registry.ts so that parsing the
 * command line (and `--help`, and every usage error) does not load TensorFlow.js; a test checks the two agree.
 */
export const ARCH_NAMES = ['lenet5', 'mlp', 'resnet'] as const;
