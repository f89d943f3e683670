/**
 * The password: for each lock point, the authorization neurons and an affine lock `a <- alpha * a + beta` per
 * neuron. The reference code's lock is alpha = 0 (or lam), beta = 0; the paper's is alpha = 0, beta = value * scale.
 * It is the only secret of a protected model.
 */
import { InvalidPasswordError } from '../util/errors.js';
import type { LockPoint } from '../models/types.js';

export interface LockPointKey {
  /** Layer whose output is locked. */
  layer: string;
  kind: 'dense' | 'conv';
  /** Number of neurons at the lock point (units or channels). */
  size: number;
  /** Indices of the authorization neurons, distinct, in [0, size). */
  neurons: number[];
  /** Per authorization neuron: the multiplier. */
  alpha: number[];
  /** Per authorization neuron: the offset. */
  beta: number[];
}

export interface Password {
  version: 1;
  lockPoints: LockPointKey[];
}

function fail(message: string): never {
  throw new InvalidPasswordError(message);
}

/**
 * Checks a password's structure and, given the model's lock points, that it fits the model. Returns it typed.
 * Everything a device decrypts goes through here before it touches a weight.
 */
export function validatePassword(value: unknown, lockPoints?: readonly LockPoint[]): Password {
  if (typeof value !== 'object' || value === null) fail('password must be an object');
  const p = value as Partial<Password>;
  if (p.version !== 1) fail(`unsupported password version ${String(p.version)}`);
  if (!Array.isArray(p.lockPoints) || p.lockPoints.length === 0) fail('password has no lock points');
  const seenLayers = new Set<string>();
  for (const [i, key] of p.lockPoints.entries()) {
    const where = `lock point ${i}`;
    if (typeof key !== 'object' || key === null) fail(`${where} is not an object`);
    const { layer, kind, size, neurons, alpha, beta } = key as Partial<LockPointKey>;
    if (typeof layer !== 'string' || layer === '') fail(`${where} has no layer name`);
    if (seenLayers.has(layer)) fail(`layer ${layer} is locked twice`);
    seenLayers.add(layer);
    if (kind !== 'dense' && kind !== 'conv') fail(`${layer}: kind must be dense or conv`);
    if (!Number.isInteger(size) || (size as number) < 1) fail(`${layer}: size must be a positive integer`);
    if (!Array.isArray(neurons) || !Array.isArray(alpha) || !Array.isArray(beta)) fail(`${layer}: neurons, alpha and beta must be arrays`);
    if (neurons.length === 0) fail(`${layer}: no authorization neurons`);
    if (alpha.length !== neurons.length || beta.length !== neurons.length) {
      fail(`${layer}: ${neurons.length} neurons but ${alpha.length} alpha and ${beta.length} beta values`);
    }
    const seen = new Set<number>();
    for (const n of neurons) {
      if (!Number.isInteger(n) || n < 0 || n >= (size as number)) fail(`${layer}: neuron index ${String(n)} out of range [0, ${size})`);
      if (seen.has(n)) fail(`${layer}: duplicate neuron index ${n}`);
      seen.add(n);
    }
    for (const v of [...alpha, ...beta]) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${layer}: lock values must be finite numbers, got ${String(v)}`);
    }
    if (lockPoints) {
      const point = lockPoints.find((lp) => lp.layer === layer);
      if (!point) fail(`model has no lock point ${layer} (it has ${lockPoints.map((lp) => lp.layer).join(', ')})`);
      if (point.size !== size || point.kind !== kind) fail(`${layer}: password is for a ${kind} of ${size} neurons, the model's is a ${point.kind} of ${point.size}`);
    }
  }
  return value as Password;
}

/** Full-length multiplier and offset vectors of one lock point (identity on neurons that are not locked). */
export function lockVectors(key: LockPointKey): { alpha: Float32Array; beta: Float32Array } {
  const alpha = new Float32Array(key.size).fill(1);
  const beta = new Float32Array(key.size);
  key.neurons.forEach((n, i) => {
    alpha[n] = key.alpha[i]!;
    beta[n] = key.beta[i]!;
  });
  return { alpha, beta };
}

/** Counts for reports — never the secret itself. */
export function passwordSummary(password: Password): { lockPoints: number; neurons: number } {
  return { lockPoints: password.lockPoints.length, neurons: password.lockPoints.reduce((n, k) => n + k.neurons.length, 0) };
}

/** Serialises to canonical JSON bytes (what the container encrypts). */
export function encodePassword(password: Password): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(password));
}

/** Parses and validates password bytes. */
export function decodePassword(bytes: Uint8Array, lockPoints?: readonly LockPoint[]): Password {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new InvalidPasswordError('password bytes are not valid JSON', { cause });
  }
  return validatePassword(value, lockPoints);
}
