/**
 * `edgepro`: the model owner's library — data, models, training, EdgePro protection, bundles (sealing), licences,
 * reports and attacks. The device's side is `edgepro/runtime` (sealed ONNX models: `edgepro/onnx`; bundle
 * directories in Node: `edgepro/node`). Every name is listed here on purpose; `test/public_api.test.ts` pins them.
 */

// Errors: one base class, a code from one table, a hint per code.
export { EdgeProError, ERROR_CODES, type ErrorCode, InvalidArgumentError, DataFormatError, ModelFormatError, SealedModelError, EngineError, InvalidPasswordError, InputShapeError, TrainingDivergedError, LockAuditError, SubstituteMismatchError } from './util/errors.js';
export { DecryptionFailedError, MalformedError, SignatureError, ModelMismatchError, ExpiredError, ClockError, UnsupportedVersionError, CRYPTO_ERROR_CODES } from './crypto/errors.js';
export { DataFileNotFoundError } from './data/errors.js';
export { FileExistsError } from './util/node_fs.js';
export { errorHint, ERROR_HINTS, type ErrorHint } from './util/error_hints.js';
export { createRng, cryptoRng, type Rng } from './util/rng.js';

// The engine.
export { initEngine, type BackendName, type EngineOptions } from './engine/index.js';

// Data.
export { type Dataset, subset, classCounts, validateDataset } from './data/types.js';
export { loadEmbeddedMnist } from './data/mnist.js';
export { stratifiedSplit, sampleStratified, type SplitOptions } from './data/split.js';
export { parseIdx, idxDataset, type IdxDatasetOptions } from './data/idx.js';
export { parseCsv, type CsvOptions } from './data/csv.js';
export { imageToSample, type ImageToSampleOptions } from './data/image.js';
export { loadIdxDir, loadIdxFiles, loadIdxFile, loadCsvFile, loadPngFile, type IdxDirOptions } from './data/files.js';

// Models.
export type { ArchitectureOptions, LockableModel, LockPoint } from './models/types.js';
export { buildLeNet5 } from './models/lenet5.js';
export { buildMlp, type MlpOptions } from './models/mlp.js';
export { buildResNet, type ResNetOptions } from './models/resnet.js';
export { buildArchitecture, ARCHITECTURES, type ArchitectureName } from './models/registry.js';
export { autoLockPoints, describeLockPoint, type AutoLockPoints, type SkippedLayer } from './models/lock_points.js';
export { serializeModel, deserializeModel, type SerializedModel } from './models/serialize.js';

// The lock: passwords, lock graphs, unlocking.
export { validatePassword, encodePassword, decodePassword, passwordSummary, type Password, type LockPointKey } from './lock/password.js';
export { rankNeurons, type NeuronRanking, type RankOptions } from './lock/rank.js';
export { generatePassword, type GeneratePasswordOptions, type PasswordStrategy } from './lock/generate.js';
export { buildLockGraph, predictWithPassword, accuracyOf, type LockGraph } from './lock/lock_graph.js';
export { registerLockLayers } from './lock/lock_layer.js';
export { unlockModel, planFolds, type UnlockedModel, type FoldPlan } from './lock/fold.js';

// Training.
export type { TrainEvent, TrainEventHandler } from './train/events.js';
export { trainClassifier, type TrainOptions, type TrainResult } from './train/train.js';
export { evaluateClassifier, predictClasses, scorePredictions, type ClassifierMetrics } from './train/evaluate.js';
export type { OptimizerName, OptimizerOptions, ScheduleName } from './train/optimizer.js';
export { lockTrain, type LockTrainOptions, type LockTrainResult } from './train/lock_train.js';
export { protectModel, lockTrainingDefaults, type ProtectOptions, type ProtectResult, type ProtectAudit } from './train/protect.js';
export { auditLock, AUDIT_BAR, type AuditOptions, type AuditReport } from './train/audit.js';
export type { GateOptions } from './train/gate.js';

// The owner: protect, seal, open what you own, the held-out record, rekey.
export { protect, sealModel, sealOnnxModel, type ProtectBundleOptions, type ProtectBundleResult } from './owner/protect.js';
export { openOwnedModel, checkOwnerKey, type OwnedModel } from './owner/open.js';
export { holdoutRecord, checkHeldOut, parseHoldoutRecord, type HoldoutRecord, type HoldoutSource, type HeldOutSplit } from './owner/holdout.js';
export { rekeyBundle, type RekeyOptions, type RekeyedBundle } from './owner/rekey.js';
export { autoSeal, MEASURED_PARTIAL_SEALS, type AutoSeal, type ProtectSealSelection } from './owner/auto_seal.js';
export { loadModelDir, saveModelDir } from './owner/model_dir.js';

// Bundles: the protected model as files.
export { Bundle, urlSource, type BundleSource } from './bundle/source.js';
export { assembleBundle, sealableNames, type AssembleOptions, type AssembledBundle, type SealSelection } from './bundle/assemble.js';
export { openBundle, type OpenedBundle } from './bundle/open.js';
export { fingerprintBundle } from './bundle/fingerprint.js';
export { MANIFEST_LIMITS } from './bundle/manifest.js';
export { MODEL_JSON_FILE, CLEAR_WEIGHTS_FILE, SEALED_WEIGHTS_FILE, CONTAINER_FILE, type BundleMetadata } from './bundle/layout.js';
export { assembleOnnxBundle, openOnnxBundle, ONNX_BUNDLE_LIMITS, type AssembleOnnxOptions, type AssembledOnnxBundle, type OnnxFileReader, type OpenedOnnxBundle, type UnsealedOnnx } from './bundle/onnx.js';
export { directorySource, writeBundle, onnxFileReader } from './bundle/directory.js';

// Licences and keys.
export { issueLicence, openLicence, inspectLicence, type LicenceHeader, type LicenceRecipient, type IssueLicenceOptions, type OpenLicenceOptions } from './crypto/licence.js';
export { inspectContainer, type ContainerHeader } from './crypto/container.js';
export { generateDeviceKeyPair, generateVendorKeyPair, devicePublicKey, vendorPublicKey, encodeKeyFile, decodeKeyFile, type KeyPair, type KeyKind } from './crypto/keys.js';
export { DEFAULT_KDF, KDF_LIMITS, type KdfParams, type KdfLimits } from './crypto/kdf.js';

// The device, for an owner who tries what ships.
export {
  loadProtectedModel,
  ProtectedModel,
  protectedModelHandler,
  type Credentials,
  type CredentialOptions,
  type Clock,
  type LoadOptions,
  type LoadTimings,
  type ModelSource,
  type Prediction,
  type PredictInput,
  type PredictOptions,
  type ScoredClass,
  type UnlockTimings,
} from './runtime/index.js';
export { loadProtectedOnnx, ProtectedOnnxModel, type OnnxLoadOptions, type OnnxRuntimeLike, type OnnxSessionLike } from './runtime/onnx.js';

// Reports and the attack suite.
export { protectionReport, type ProtectionReport, type ReportOptions, type Spread } from './eval/report.js';
export { thiefView, sealedShare } from './attacks/thief.js';
export { BROKEN_ABOVE } from './attacks/common.js';
export { DEFAULT_RECIPES, type Recipe, type TuneBudget, type AttackRunOptions } from './attacks/tune.js';
export { fineTuneAttack, type FineTuneOptions, type FineTuneResult, type FineTuneRow, type Arm, type ArmOutcome, type RecipeOutcome } from './attacks/finetune.js';
export { pruningAttack, pruneAttack, DEFAULT_PRUNE_RATIOS, type PruneResult, type PruneRow, type PruneAttackResult, type PruneAttackOptions } from './attacks/prune.js';
export { greedyAttack, type GreedyOptions, type GreedyResult } from './attacks/greedy.js';
export { evolutionarySearch, type SearchOptions, type SearchResult } from './attacks/search.js';
export { lockRegressionAttack, type LockRegressionOptions, type LockRegressionResult } from './attacks/lock_regression.js';
export { keySpace, type KeySpace, type KeySpaceOptions, type PointKeySpace } from './attacks/keyspace.js';
export { reverseAttack, type ReverseOptions, type ReverseResult } from './attacks/reverse.js';
export { transferAttack, type TransferResult } from './attacks/transfer.js';
export {
  substituteAttack,
  substituteControl,
  ADAPTIVE_RECIPE,
  SEARCH_RECIPE,
  ADAPTIVE_FROM_SEARCH_RECIPE,
  DEFAULT_BUDGETS,
  SEALED_RECIPES,
  type LabelBudget,
  type SealedRecipe,
  type SubstituteOptions,
  type SubstituteControlOptions,
  type SubstituteControl,
  type SubstituteControlRow,
  type SubstituteResult,
  type SubstituteRow,
  type SubstituteArm,
  type SubstituteRecipeOutcome,
} from './attacks/substitute.js';
export { runAttackSuite, selfContainedTarget, ATTACK_NAMES, SUITE_ATTACK_NAMES, type AttackName, type AttackResult, type SuiteTarget, type SuiteOptions, type SuiteResult, type SelfContainedOptions } from './attacks/suite.js';
export { copySealedWeights, trainSubstitute } from './attacks/substitute_weights.js';
