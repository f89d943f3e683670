/** Small fixtures for crypto tests: a valid password, a seeded random source, cheap KDF parameters. */
import { createRng } from '../../src/util/rng.js';
import type { Password } from '../../src/lock/password.js';
import { CRYPTO_ERROR_CODES, type RandomBytes } from '../../src/crypto/index.js';
import { EdgeProError } from '../../src/util/errors.js';

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

const CODES = new Set<string>(CRYPTO_ERROR_CODES);

/** Runs `open` and returns the error code; fails if it resolves or throws anything but a crypto error. */
export async function typedFailure(open: () => Promise<unknown>, label: string): Promise<string> {
  let result: unknown;
  try {
    result = await open();
  } catch (error) {
    if (!(error instanceof EdgeProError) || !CODES.has(error.code)) {
      throw new Error(`${label}: expected a crypto error, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    }
    return error.code;
  }
  const what = result instanceof Uint8Array ? `${result.length} bytes` : JSON.stringify(result);
  throw new Error(`${label}: altered input was accepted and gave ${what}`);
}
