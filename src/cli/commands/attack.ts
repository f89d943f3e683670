import { InvalidArgumentError as CommanderInvalidArgument, type Command } from 'commander';
import type { ProtectSealSelection } from '../../owner/auto_seal.js';
import type { LabelBudget } from '../../attacks/substitute.js';
import { splitFlagsGiven, type DataFlags } from '../data.js';
import { addCommonOptions, addDataOptions, type CommonFlags, nonNegativeInt, oneOf, parseSealOrAuto, positiveInt, positiveNumber } from '../options.js';
import { PASSWORD_STRATEGIES, type PasswordStrategy } from '../../util/names.js';

export const ATTACKS = ['finetune', 'prune', 'reverse', 'transfer', 'substitute', 'all'] as const;
export type AttackKind = (typeof ATTACKS)[number];

export interface AttackFlags extends DataFlags, CommonFlags {
  model?: string;
  key?: string;
  baseline?: string;
  other?: string;
  otherKey?: string;
  protect?: boolean;
  arch?: string;
  strategy: PasswordStrategy;
  epochs: number;
  lockEpochs: number;
  topFraction?: number;
  fractions?: number[];
  finetuneEpochs: number;
  ratios?: number[];
  budgets?: LabelBudget[];
  publicIdx?: string;
  publicEpochs?: number;
  samples: number;
  queries: number;
  budget: number;
  seal: ProtectSealSelection;
  reportOnly?: boolean;
  /** Also write the result as one self-contained HTML page to this file. */
  html?: string;
}

/** The exit code of an audit that ran and found a judged row that does not hold (1 is a failure, 2 a usage error). */
export const EXIT_DOES_NOT_HOLD = 3;

/** A comma-separated list of fractions in (0, 1], e.g. `0.01,0.05,0.1`. */
function fractionList(flag: string) {
  return (value: string): number[] => {
    const items = value.split(',').map((s) => s.trim());
    const numbers = items.map(Number);
    if (items.some((s) => s === '') || numbers.some((n) => !(Number.isFinite(n) && n > 0 && n <= 1))) {
      throw new CommanderInvalidArgument(`${flag} needs comma-separated fractions in (0, 1], got "${value}"`);
    }
    return numbers;
  };
}

/** A comma-separated list of label budgets: counts of labels (`10`) or shares of the training set (`1%`). */
function budgetList(value: string): LabelBudget[] {
  return value.split(',').map((raw) => {
    const s = raw.trim();
    const percentage = /^(\d+(?:\.\d+)?)%$/.exec(s);
    if (percentage) {
      const fraction = Number(percentage[1]) / 100;
      if (fraction > 0 && fraction <= 1) return { fraction };
    } else if (/^\d+$/.test(s) && Number(s) >= 2) {
      return { labels: Number(s) };
    }
    throw new CommanderInvalidArgument(`--budgets needs comma-separated label counts (>= 2) or percentages in (0, 100], e.g. 10,50,100,1%,5%,10%; got "${value}"`);
  });
}

export function registerAttack(program: Command): void {
  const cmd = program
    .command('attack')
    .argument('<kind>', `which attack: ${ATTACKS.join(', ')}`, oneOf('<kind>', ATTACKS))
    .description('attack a protected model without its password (fine-tuning, pruning, reverse engineering, password transfer) and say whether the protection holds')
    .option('--model <dir>', 'the protected model (a bundle directory, at any level); the attacks start from what a thief holds: the architecture and the clear weights')
    .option('--key <file>', "the owner key: opens the sealed weights (to know which a thief lacks) and the password (only to score what the attacks find); default <dir>.owner.key")
    .option('--baseline <dir>', 'the unprotected model, for the fine-tuning comparison')
    .option('--other <dir>', 'transfer: a second protected model (B) to try the password on')
    .option('--other-key <file>', "transfer: B's owner key, to show B works with its own password (default <other>.owner.key, if present)")
    .option('--protect', 'self-contained audit: train a baseline and protect it here (twice, with seeds S and S+1, for transfer)')
    .option('--seal <what>', "with --protect: which weights ship sealed, as protect's --seal (all, none, auto, or layer names)", parseSealOrAuto, 'all' as ProtectSealSelection)
    .option('--arch <name>', 'with --protect: lenet5, mlp or resnet (default lenet5)', oneOf('--arch', ['lenet5', 'mlp', 'resnet'] as const))
    .option('--strategy <name>', `with --protect: password strategy: ${PASSWORD_STRATEGIES.join(', ')}`, oneOf('--strategy', PASSWORD_STRATEGIES), 'hardened')
    .option('--epochs <n>', 'with --protect: baseline training epochs', nonNegativeInt('--epochs'), 10)
    .option('--lock-epochs <n>', 'with --protect: lock-training epochs', nonNegativeInt('--lock-epochs'), 12)
    .option('--top-fraction <f>', 'key space: share of the ranking the neurons were drawn from (1 hardened, 0.3 reference; default from --strategy with --protect, else 1)', positiveNumber('--top-fraction'))
    .option('--fractions <list>', 'finetune: shares of the training set the attacker holds (default 0.01,0.05,0.1)', fractionList('--fractions'))
    .option('--finetune-epochs <n>', 'finetune: epochs of every run (attacked, scratch, unprotected)', positiveInt('--finetune-epochs'), 30)
    .option('--ratios <list>', 'prune: shares of each lock layer pruned (default 0.1,...,0.9)', fractionList('--ratios'))
    .option('--budgets <list>', 'substitute: label budgets, counts or percentages of the training set (default 10,50,100,1%,5%,10%)', budgetList)
    .option('--public-idx <dir>', "substitute: another public dataset (an IDX directory, its train split) to train the thief's substitute layers on, e.g. Fashion-MNIST for an MNIST model")
    .option('--public-epochs <n>', 'substitute: epochs of the public substitute (default 5)', positiveInt('--public-epochs'))
    .option('--samples <n>', "reverse: the attacker's labelled samples", positiveInt('--samples'), 500)
    .option('--queries <n>', 'reverse: greedy model evaluations (each on all samples)', positiveInt('--queries'), 4000)
    .option('--budget <n>', 'reverse and substitute: forward passes of the whole-password search', positiveInt('--budget'), 100_000)
    .option('--report-only', `exit 0 whatever the verdict (default: exit ${EXIT_DOES_NOT_HOLD} when some judged row does not hold)`)
    .option('--html <file>', 'also write the result as one self-contained HTML page (inline SVG charts per attack, no scripts or URLs)');
  addDataOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'The attacker\'s data is drawn from the training split; every accuracy is on the test split. With --model and no',
      'data flag (--idx, --csv, --label, --test-size, --seed), the split is the one protect recorded beside the owner key',
      '(<key>.holdout.json); data flags that are given must hold out the same samples.',
      '',
      'Exit status: 0 every judged row holds; 3 the audit ran and some judged row does not hold (the table and the JSON',
      'are written first); 1 the command failed; 2 the command line was wrong. --report-only exits 0 whatever the verdict.',
      '',
      'Examples:',
      '  edgepro attack all --protect --json audit.json          # protect LeNet-5 on the embedded MNIST, then attack it',
      '  edgepro attack all --protect --strategy reference       # the paper\'s public lock, for comparison',
      '  edgepro attack finetune --model models/protected --baseline models/baseline   # owner key: models/protected.owner.key',
      '  edgepro attack transfer --model models/a --other models/b',
      '  edgepro attack substitute --protect --seal conv1,conv2 --public-idx /usr/share/datasets/fashion-mnist   # a partial seal against substitute layers',
      '  edgepro attack all --protect --html audit.html         # the same audit as a self-contained HTML page',
    ].join('\n'),
  );
  cmd.action(async (kind: AttackKind, flags: AttackFlags, command: Command) => {
    const { runAttack } = await import('./attack_run.js');
    await runAttack(kind, { ...flags, splitGiven: splitFlagsGiven(command) });
  });
}
