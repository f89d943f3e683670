import { describe, expect, it } from 'vitest';
import { generatePassword, nearMissPassword, randomPasswordLike } from '../../src/lock/generate.js';
import { validatePassword } from '../../src/lock/password.js';
import type { NeuronRanking } from '../../src/lock/rank.js';
import { selectNeurons } from '../../src/lock/select.js';
import type { LockableModel, LockPoint } from '../../src/models/types.js';
import type { EdgeProError } from '../../src/util/errors.js';
import { createRng } from '../../src/util/rng.js';

/** A ranking with a scrambled order and mean activations decreasing along it. */
function fakeRanking(layer: string, size: number, seed: number): NeuronRanking {
  const rng = createRng(seed);
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const mean = new Float32Array(size);
  order.forEach((n, r) => (mean[n] = size - r));
  return { layer, kind: 'dense', size, order, meanActivation: mean, sumActivation: mean.map((v) => v * 10), samples: 10 };
}

const sizes = [1, 6, 16, 84, 120, 500];
const ranking = sizes.map((s, i) => fakeRanking(`l${i}`, s, i));
const points: LockPoint[] = ranking.map((r) => ({ layer: r.layer, kind: r.kind, size: r.size }));
const lockable = { architecture: 'fake', model: undefined as never, lockPoints: points } as LockableModel;

describe('selectNeurons', () => {
  it('is reproducible: same seed, same neurons', () => {
    const a = selectNeurons(ranking, { rng: createRng(7) });
    const b = selectNeurons(ranking, { rng: createRng(7) });
    expect(a).toEqual(b);
  });

  it('differs somewhere for different seeds', () => {
    const a = selectNeurons(ranking, { rng: createRng(7) });
    const b = selectNeurons(ranking, { rng: createRng(8) });
    expect(a.map((s) => s.neurons)).not.toEqual(b.map((s) => s.neurons));
  });

  it('chooses floor(size * gamma) + 1 distinct neurons within the top fraction', () => {
    for (const [gamma, topFraction] of [
      [0.1, 0.3],
      [0.05, 0.1],
      [0.3, 0.3],
      [0.5, 0.2],
    ] as const) {
      for (let seed = 0; seed < 5; seed++) {
        const selection = selectNeurons(ranking, { gamma, topFraction, rng: createRng(seed) });
        selection.forEach((s, p) => {
          const r = ranking[p]!;
          const count = Math.min(r.size, Math.floor(r.size * gamma) + 1);
          const pool = Math.min(r.size, Math.max(count, Math.ceil(r.size * topFraction)));
          expect(s.layer).toBe(r.layer);
          expect(s.neurons).toHaveLength(count);
          expect(new Set(s.neurons).size).toBe(count);
          const top = new Set(r.order.slice(0, pool));
          for (const n of s.neurons) expect(top.has(n)).toBe(true);
          s.ranks.forEach((rank, i) => expect(r.order[rank]).toBe(s.neurons[i]));
        });
      }
    }
  });

  it('favours the best ranks (roulette weighted by rank)', () => {
    const r = fakeRanking('big', 1000, 3);
    const hits = new Float64Array(300);
    for (let seed = 0; seed < 200; seed++) {
      for (const rank of selectNeurons([r], { gamma: 0.01, topFraction: 0.3, rng: createRng(seed) })[0]!.ranks) hits[rank]!++;
    }
    const firstThird = hits.subarray(0, 100).reduce((a, b) => a + b, 0);
    const lastThird = hits.subarray(200).reduce((a, b) => a + b, 0);
    expect(firstThird).toBeGreaterThan(lastThird * 2);
  });

  it('refuses a bad gamma with ERR_INVALID_ARGUMENT', () => {
    expect(() => selectNeurons(ranking, { gamma: 0, rng: createRng(1) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => selectNeurons(ranking, { topFraction: 1.5, rng: createRng(1) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('generatePassword', () => {
  it('reference: alpha = lam, beta = 0, valid for the model, reproducible', () => {
    const p = generatePassword(lockable, ranking, { strategy: 'reference', seed: 1 });
    expect(validatePassword(p, points)).toBe(p);
    for (const key of p.lockPoints) {
      expect(key.alpha.every((v) => v === 0)).toBe(true);
      expect(key.beta.every((v) => v === 0)).toBe(true);
    }
    expect(generatePassword(lockable, ranking, { strategy: 'reference', seed: 1 })).toEqual(p);
    const lam = generatePassword(lockable, ranking, { strategy: 'reference', seed: 1, lam: 0.5 });
    expect(lam.lockPoints.every((k) => k.alpha.every((v) => v === 0.5))).toBe(true);
  });

  it('paper: alpha 0, beta = scale * mean activation of the ranking neighbours (window w)', () => {
    const p = generatePassword(lockable, ranking, { strategy: 'paper', seed: 2, window: 2, scale: 3 });
    p.lockPoints.forEach((key, i) => {
      const r = ranking[i]!;
      key.neurons.forEach((n, j) => {
        const rank = r.order.indexOf(n);
        const neighbours = [-2, -1, 1, 2].map((d) => rank + d).filter((k) => k >= 0 && k < r.size);
        const expected = neighbours.length === 0 ? r.meanActivation[n]! : neighbours.reduce((s, k) => s + r.meanActivation[r.order[k]!]!, 0) / neighbours.length;
        expect(key.alpha[j]).toBe(0);
        expect(key.beta[j]).toBeCloseTo(expected * 3, 4);
      });
    });
  });

  it('random: values in range, valid, seeded', () => {
    const opts = { strategy: 'random', seed: 3, alphaMin: -2, alphaMax: -0.5, betaMin: 1, betaMax: 4 } as const;
    const p = generatePassword(lockable, ranking, opts);
    for (const key of p.lockPoints) {
      for (const a of key.alpha) expect(a >= -2 && a <= -0.5).toBe(true);
      for (const b of key.beta) expect(b >= 1 && b <= 4).toBe(true);
      // Values are float32-exact.
      for (const v of [...key.alpha, ...key.beta]) expect(Math.fround(v)).toBe(v);
    }
    expect(generatePassword(lockable, ranking, opts)).toEqual(p);
    expect(generatePassword(lockable, ranking, { ...opts, seed: 4 })).not.toEqual(p);
  });

  it('needs a seed or an rng, and a ranking for every lock point', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as EdgeProError).code;
      }
      return undefined;
    };
    expect(code(() => generatePassword(lockable, ranking, {}))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => generatePassword(lockable, ranking.slice(1), { seed: 1 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => generatePassword(lockable, ranking, { seed: 1, strategy: 'nope' as never }))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('wrong passwords', () => {
  const real = generatePassword(lockable, ranking, { strategy: 'random', seed: 5, alphaMin: 0.5, alphaMax: 1.5, betaMin: -1, betaMax: -0.25 });

  it('randomPasswordLike: same layers and counts, values within the real ranges', () => {
    const wrong = randomPasswordLike(real, createRng(9));
    expect(validatePassword(wrong, points)).toBe(wrong);
    wrong.lockPoints.forEach((key, i) => {
      const r = real.lockPoints[i]!;
      expect(key.layer).toBe(r.layer);
      expect(key.neurons).toHaveLength(r.neurons.length);
      for (const a of key.alpha) expect(a >= Math.min(...r.alpha) && a <= Math.max(...r.alpha)).toBe(true);
      for (const b of key.beta) expect(b >= Math.min(...r.beta) && b <= Math.max(...r.beta)).toBe(true);
    });
    expect(randomPasswordLike(real, createRng(9))).toEqual(wrong);
  });

  it('nearMissPassword: exactly one neuron per lock point swapped, values kept', () => {
    const near = nearMissPassword(real, createRng(10));
    expect(validatePassword(near, points)).toBe(near);
    near.lockPoints.forEach((key, i) => {
      const r = real.lockPoints[i]!;
      expect(key.alpha).toEqual(r.alpha);
      expect(key.beta).toEqual(r.beta);
      const changed = key.neurons.filter((n, j) => n !== r.neurons[j]);
      // A lock point whose every neuron is in the key (size 1 here) cannot be missed by one.
      expect(changed).toHaveLength(r.size === r.neurons.length ? 0 : 1);
      for (const n of changed) expect(r.neurons.includes(n)).toBe(false);
    });
  });
});
