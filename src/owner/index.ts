/** The owner's verbs: protect and seal (returning bundles), open an owned bundle, the held-out record. */
export { protect, sealModel, sealOnnxModel, type ProtectBundleOptions, type ProtectBundleResult } from './protect.js';
export { openOwnedModel, checkOwnerKey, type OwnedModel } from './open.js';
export { holdoutRecord, holdoutDifferences, checkHeldOut, heldOutDifferences, parseHoldoutRecord, type HoldoutRecord, type HoldoutSource, type HeldOutSplit } from './holdout.js';
export { autoSeal, autoSealWithoutLock, autoSealSelection, MEASURED_PARTIAL_SEALS, type AutoSeal, type ProtectSealSelection } from './auto_seal.js';
export { rekeyBundle, type RekeyOptions, type RekeyedBundle } from './rekey.js';
