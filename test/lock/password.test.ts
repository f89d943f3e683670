import { describe, expect, it } from 'vitest';
import { decodePassword, lockVectors, validatePassword, type Password } from '../../src/lock/password.js';
import type { LockPoint } from '../../src/models/types.js';
import { EdgeProError } from '../../src/util/errors.js';

const points: LockPoint[] = [
  { layer: 'pool1', kind: 'conv', size: 6 },
  { layer: 'fc1', kind: 'dense', size: 10 },
];

function good(): Password {
  return {
    version: 1,
    lockPoints: [
      { layer: 'pool1', kind: 'conv', size: 6, neurons: [0, 5], alpha: [0, -1.5], beta: [0.25, 2] },
      { layer: 'fc1', kind: 'dense', size: 10, neurons: [3], alpha: [1], beta: [-1] },
    ],
  };
}

function expectInvalid(mutate: (p: Password) => unknown): void {
  const p = good();
  const result = mutate(p);
  const value = result === undefined ? p : result;
  let error: unknown;
  try {
    validatePassword(value, points);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EdgeProError);
  expect((error as EdgeProError).code).toBe('ERR_INVALID_PASSWORD');
}

describe('validatePassword', () => {
  it('accepts a well-formed password that fits the model', () => {
    expect(validatePassword(good(), points)).toEqual(good());
  });

  it('rejects a neuron index out of range', () => {
    expectInvalid((p) => void (p.lockPoints[0]!.neurons[1] = 6));
    expectInvalid((p) => void (p.lockPoints[0]!.neurons[0] = -1));
    expectInvalid((p) => void (p.lockPoints[0]!.neurons[0] = 1.5));
  });

  it('rejects a duplicate neuron index', () => {
    expectInvalid((p) => void (p.lockPoints[0]!.neurons[1] = 0));
  });

  it('rejects an unknown layer', () => {
    expectInvalid((p) => void (p.lockPoints[1]!.layer = 'fc9'));
  });

  it('rejects a wrong size or kind', () => {
    expectInvalid((p) => void (p.lockPoints[1]!.size = 11));
    expectInvalid((p) => void (p.lockPoints[1]!.kind = 'conv'));
  });

  it('rejects NaN and infinite values', () => {
    expectInvalid((p) => void (p.lockPoints[0]!.alpha[0] = Number.NaN));
    expectInvalid((p) => void (p.lockPoints[0]!.beta[1] = Number.POSITIVE_INFINITY));
    expectInvalid((p) => void (p.lockPoints[1]!.beta[0] = Number.NEGATIVE_INFINITY));
  });

  it('rejects mismatched lengths', () => {
    expectInvalid((p) => void p.lockPoints[0]!.alpha.pop());
    expectInvalid((p) => void p.lockPoints[0]!.beta.push(1));
  });

  it('rejects structural problems', () => {
    expectInvalid(() => null);
    expectInvalid((p) => ({ ...p, version: 2 }));
    expectInvalid((p) => ({ ...p, lockPoints: [] }));
    expectInvalid((p) => void p.lockPoints.push({ ...p.lockPoints[0]! }));
  });

  it('decodePassword reports bad bytes with the same code', () => {
    let error: unknown;
    try {
      decodePassword(new TextEncoder().encode('{not json'), points);
    } catch (e) {
      error = e;
    }
    expect((error as EdgeProError).code).toBe('ERR_INVALID_PASSWORD');
  });

  it('lockVectors is the identity outside the authorization neurons', () => {
    const { alpha, beta } = lockVectors(good().lockPoints[0]!);
    expect(Array.from(alpha)).toEqual([0, 1, 1, 1, 1, -1.5]);
    expect(Array.from(beta)).toEqual([0.25, 0, 0, 0, 0, 2]);
  });
});
