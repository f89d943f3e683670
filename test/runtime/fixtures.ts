/** A tiny protected MLP, sealed, for runtime tests: its files as bytes, its password and the owner key. */
import { buildMlp, serializeModel } from '../../src/models/index.js';
import { fingerprintWeights, sealPassword } from '../../src/crypto/index.js';
import type { Password } from '../../src/lock/password.js';

export const MLP_PASSWORD: Password = {
  version: 1,
  lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [1, 5, 6], alpha: [0.5, -1.25, 2], beta: [2, 0.25, -3] }],
};

export const CHEAP_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;

export async function protectedMlp(seed = 1) {
  const lockable = buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed });
  const { modelJson, weights } = await serializeModel(lockable);
  const modelFingerprint = await fingerprintWeights(weights);
  const { container, contentKey } = await sealPassword(MLP_PASSWORD, { modelFingerprint });
  lockable.model.dispose();
  return { modelJson, weights, container, contentKey, modelFingerprint };
}

export const INPUTS = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 2);
