/** A tiny protected MLP as a bundle at a chosen level, for runtime tests: the bundle, its owner key and fingerprint. */
import { buildMlp, serializeModel } from '../../src/models/index.js';
import { assembleBundle, type SealSelection } from '../../src/bundle/assemble.js';
import type { Password } from '../../src/lock/password.js';

export const MLP_PASSWORD: Password = {
  version: 1,
  lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [1, 5, 6], alpha: [0.5, -1.25, 2], beta: [2, 0.25, -3] }],
};

export const CHEAP_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;

/** The MLP locked with MLP_PASSWORD, its weights sealed as `seal` says (default all), under one fresh owner key. */
export async function protectedMlp(seed = 1, seal: SealSelection = 'all', options: { chunkBytes?: number } = {}) {
  const lockable = buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed });
  const assembled = await assembleBundle(await serializeModel(lockable), { seal, password: MLP_PASSWORD, ...options });
  lockable.model.dispose();
  return assembled;
}

export const INPUTS = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 2);
