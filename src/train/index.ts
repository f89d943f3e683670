export type { TrainEvent, TrainEventHandler } from './events.js';
export { runTrainingLoop, type LoopOptions, type LoopSpec } from './loop.js';
export { trainClassifier, trainableVariables, checkDatasetFits, type TrainOptions, type TrainResult } from './train.js';
export { evaluateClassifier, predictClasses, scorePredictions, type ClassifierMetrics } from './evaluate.js';
export { crossEntropy } from './loss.js';
export { sequentialBatches } from './batches.js';
export {
  Optimizer,
  resolveOptimizerOptions,
  scheduledLearningRate,
  type OptimizerName,
  type OptimizerOptions,
  type ResolvedOptimizerOptions,
  type ScheduleName,
} from './optimizer.js';
export { lockTrain, type LockTrainOptions, type LockTrainResult } from './lock_train.js';
export { protectModel, lockTrainingDefaults, type ProtectOptions, type ProtectResult, type ProtectAudit } from './protect.js';
export { auditLock, AUDIT_BAR, type AuditOptions, type AuditReport } from './audit.js';
export { gateLayer, type GateOptions } from './gate.js';
