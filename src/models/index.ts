export type { ArchitectureOptions, LockableModel, LockPoint } from './types.js';
export { buildLeNet5 } from './lenet5.js';
export { buildMlp, type MlpOptions } from './mlp.js';
export { buildResNet, type ResNetOptions } from './resnet.js';
export { autoLockPoints, describeLockPoint } from './lock_points.js';
export { outputsProbabilities, toProbabilities } from './outputs.js';
export { serializeModel, deserializeModel, cloneLockable, parseModelJson, type SerializedModel, type EdgeProModelMetadata } from './serialize.js';
export { buildArchitecture, ARCHITECTURES, type ArchitectureName } from './registry.js';
