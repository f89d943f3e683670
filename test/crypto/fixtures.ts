/** Small fixtures for crypto tests: a valid password, a seeded random source, cheap KDF parameters. */
import { createRng } from '../../src/util/rng.js';
import type { Password } from '../../src/lock/password.js';
import type { RandomBytes } from '../../src/crypto/index.js';

export const PASSWORD: Password = {
  version: 1,
  lockPoints: [
    { layer: 'fc1', kind: 'dense', size: 8, neurons: [1, 5], alpha: [0.25, -1.5], beta: [3.75, -0.5] },
    { layer: 'conv1', kind: 'conv', size: 6, neurons: [0], alpha: [2], beta: [-4.125] },
  ],
};

/** Cheap scrypt for tests (the default, 2^17, takes about a second). */
export const CHEAP_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;

export const FINGERPRINT_A = 'a'.repeat(64);
export const FINGERPRINT_B = 'b'.repeat(64);

/** Deterministic bytes for reproducible files. */
export function seededBytes(seed: number): RandomBytes {
  const rng = createRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}
