/** The attack suite: what an attacker holding the protected model, but not its password, can get out of it. */
export { outgoingWeightL1, countFound, BROKEN_ABOVE } from './common.js';
export { DEFAULT_RECIPES, freshCopy, reinitLayers, tune, type Recipe, type TuneBudget } from './tune.js';
export { fineTuneAttack, type FineTuneOptions, type FineTuneResult, type FineTuneRow, type Arm, type ArmOutcome, type RecipeOutcome } from './finetune.js';
export {
  pruningAttack,
  pruningLock,
  pruneAttack,
  DEFAULT_PRUNE_RATIOS,
  type PruneResult,
  type PruneRow,
  type PruneAttackResult,
  type PruneAttackOptions,
} from './prune.js';
export { greedyAttack, type GreedyOptions, type GreedyResult } from './greedy.js';
export { evolutionarySearch, type SearchOptions, type SearchResult } from './search.js';
export { lockRegressionAttack, type LockRegressionOptions, type LockRegressionResult } from './lock_regression.js';
export { keySpace, log2Binomial, log2SumPow2, measureValueTolerance, type KeySpace, type KeySpaceOptions, type PointKeySpace } from './keyspace.js';
export { reverseAttack, type ReverseOptions, type ReverseResult } from './reverse.js';
export { transferAttack, type TransferResult } from './transfer.js';
export { thiefView, sealedShare } from './thief.js';
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
} from './substitute.js';
export { runAttackSuite, selfContainedTarget, ATTACK_NAMES, SUITE_ATTACK_NAMES, type AttackName, type AttackResult, type SuiteTarget, type SuiteOptions, type SuiteResult, type SelfContainedOptions } from './suite.js';
export { copySealedWeights, trainSubstitute } from './substitute_weights.js';
