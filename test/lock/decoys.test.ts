import { describe, expect, it } from 'vitest';
import { ALL_DECOYS, makeDecoy, type SampleLock } from '../../src/lock/index.js';
import type { LockPoint } from '../../src/models/types.js';
import { createRng } from '../../src/util/rng.js';

const points: LockPoint[] = [
  { layer: 'a', kind: 'conv', size: 6 },
  { layer: 'b', kind: 'dense', size: 40 },
];
const key: SampleLock = [
  { neurons: [1], alpha: [0], beta: [2.5] },
  { neurons: [3, 7, 11, 20, 33], alpha: [0, 0, 0, 0, 0], beta: [3, -2, 4, -3.5, 2] },
];

function sameLock(a: SampleLock[number], b: SampleLock[number]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

describe('decoys', () => {
  it('every kind gives valid, seeded locks that are never the key', () => {
    for (const kind of ALL_DECOYS) {
      const rngA = createRng(4);
      const rngB = createRng(4);
      for (let trial = 0; trial < 50; trial++) {
        const decoy = makeDecoy(kind, key, points, rngA);
        expect(decoy).toEqual(makeDecoy(kind, key, points, rngB));
        expect(decoy).toHaveLength(points.length);
        decoy.forEach((entry, p) => {
          expect(new Set(entry.neurons).size).toBe(entry.neurons.length);
          for (const n of entry.neurons) expect(n >= 0 && n < points[p]!.size).toBe(true);
          expect(entry.alpha).toHaveLength(entry.neurons.length);
          expect(entry.beta.every(Number.isFinite)).toBe(true);
        });
        expect(decoy.every((entry, p) => sameLock(entry, key[p]!)), `${kind} reproduced the key`).toBe(false);
      }
    }
  });

  it('sparseGuess tries constants against an offset key, and also the key\'s own scales against a scaling key', () => {
    const rng = createRng(3);
    const alphas = new Set<number>();
    for (let i = 0; i < 200; i++) for (const entry of makeDecoy('sparseGuess', key, points, rng)) for (const a of entry.alpha) alphas.add(a);
    expect([...alphas]).toEqual([0]);
    const scalingKey: SampleLock = [
      { neurons: [1], alpha: [-2], beta: [3] },
      { neurons: [3, 7, 11], alpha: [-1, -1.5, -3], beta: [2, 2.5, 4] },
    ];
    const seen = new Set<number>();
    let constants = 0;
    for (let i = 0; i < 200; i++) {
      for (const entry of makeDecoy('sparseGuess', scalingKey, points, rng)) {
        entry.alpha.forEach((a) => (a === 0 ? constants++ : seen.add(a)));
      }
    }
    expect([...seen].sort()).toEqual([-1, -1.5, -2, -3].sort());
    expect(constants).toBeGreaterThan(0);
  });

  it('somePoints keeps the key at some but not all lock points', () => {
    const rng = createRng(1);
    for (let i = 0; i < 30; i++) {
      const decoy = makeDecoy('somePoints', key, points, rng);
      const kept = decoy.filter((entry, p) => sameLock(entry, key[p]!)).length;
      const empty = decoy.filter((entry) => entry.neurons.length === 0).length;
      expect(kept).toBeGreaterThanOrEqual(1);
      expect(kept + empty).toBe(points.length);
      expect(empty).toBeGreaterThanOrEqual(1);
    }
  });

  it('nearMiss swaps 1 to 3 neurons per lock point and keeps the values', () => {
    const rng = createRng(2);
    for (let i = 0; i < 30; i++) {
      const decoy = makeDecoy('nearMiss', key, points, rng);
      decoy.forEach((entry, p) => {
        const wrong = entry.neurons.filter((n, j) => n !== key[p]!.neurons[j]).length;
        expect(wrong).toBeGreaterThanOrEqual(1);
        expect(wrong).toBeLessThanOrEqual(3);
        expect(entry.beta).toEqual(key[p]!.beta);
      });
    }
  });

  it('sparseGuess stays within 1/20 to 8 times a key value, or zero', () => {
    const rng = createRng(3);
    for (let i = 0; i < 50; i++) {
      for (const entry of makeDecoy('sparseGuess', key, points, rng)) {
        for (const b of entry.beta) expect(b === 0 || (Math.abs(b) >= 2 / 20 - 1e-9 && Math.abs(b) <= 4 * 8 + 1e-9)).toBe(true);
      }
    }
  });
});
