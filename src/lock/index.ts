/**
 * The lock: passwords, ranking and selection of authorization neurons, the lock op, and unlocking (folding).
 * Shared by the owner's tools and the device runtime: nothing here imports Node.js.
 */
export {
  validatePassword,
  lockVectors,
  passwordSummary,
  encodePassword,
  decodePassword,
  type LockPointKey,
  type Password,
} from './password.js';
export { LockInputLayer, FixedLockLayer, registerLockLayers, type FixedLockLayerArgs } from './lock_layer.js';
export { buildLockGraph, forwardLocked, predictWithPassword, accuracyOf, type LockGraph } from './lock_graph.js';
export { BatchLocks, passwordLock, uniformBatchVectors, type SampleLock } from './vectors.js';
export { makeDecoy, ALL_DECOYS, type DecoyKind } from './decoys.js';
export { rebuildModel, type RebuildSpec } from './rebuild.js';
export { rankNeurons, type NeuronRanking, type RankOptions } from './rank.js';
export { selectNeurons, authorizationCount, type NeuronSelection, type SelectOptions } from './select.js';
export {
  generatePassword,
  randomPasswordLike,
  nearMissPassword,
  type GeneratePasswordOptions,
  type PasswordStrategy,
} from './generate.js';
export { unlockModel, planFolds, type UnlockedModel, type FoldPlan } from './fold.js';
export { describeGraph, nextLinearLayer, type ModelGraph, type NextLinear } from './next_linear.js';
