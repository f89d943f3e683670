/**
 * Random numbers. `createRng`: seeded pseudo-random numbers for everything that must be reproducible — splits,
 * shuffles, lock-training masks, and passwords in experiments that must repeat. `cryptoRng`: the same interface over
 * WebCrypto's generator, for the password a user ships (a seeded password is only as secret as its seed: with the
 * defaults, anyone who retrains the baseline regenerates it exactly). Keys and nonces come from WebCrypto directly.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded through splitmix32 so that nearby seeds diverge.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** A new generator derived from this one, for an independent stream (e.g. one per epoch). */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Standard normal draws from uniform ones (Box-Muller, the second value of each pair kept for the next call). */
function gaussian(next: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Creates a generator from an integer seed. Same seed, same sequence, on every platform. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const init = splitmix32(Math.floor(seed));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const rng: Rng = {
    next: () => u32() / 4294967296,
    int: (n: number) => {
      if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
      return Math.floor((u32() / 4294967296) * n);
    },
    normal: gaussian(() => rng.next()),
    fork: () => createRng(u32()),
  };
  return rng;
}

/**
 * A generator backed by WebCrypto's `getRandomValues` (Node >= 20 and browsers): unpredictable, not reproducible.
 * `next()` has 53 random bits; `int(n)` is unbiased (rejection sampling).
 */
export function cryptoRng(): Rng {
  const crypto = globalThis.crypto;
  if (crypto === undefined || typeof crypto.getRandomValues !== 'function') throw new Error('WebCrypto getRandomValues is not available');
  const buffer = new Uint32Array(256);
  let used = buffer.length;
  const u32 = (): number => {
    if (used === buffer.length) {
      crypto.getRandomValues(buffer);
      used = 0;
    }
    return buffer[used++]!;
  };
  const rng: Rng = {
    next: () => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992,
    int: (n: number) => {
      if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) throw new RangeError(`int(n) needs a positive integer up to 2^32, got ${n}`);
      // Reject the top partial block of 2^32 so that every residue is equally likely.
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const v = u32();
        if (v < limit) return v % n;
      }
    },
    normal: gaussian(() => rng.next()),
    fork: () => cryptoRng(),
  };
  return rng;
}

/** Fisher-Yates shuffle in place; returns the array. */
export function shuffleInPlace<T>(items: T[] | Int32Array | Uint32Array, rng: Rng): typeof items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}
