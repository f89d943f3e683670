/** Runs a list of fuzz properties as vitest cases, each with a fixed seed and run count. */
import fc from 'fast-check';
import { it } from 'vitest';
import type { FuzzProperty } from './properties.js';

/** One seed for the suite, so that a failure is reproducible; test/fuzz/long.ts draws random ones. */
export const SUITE_SEED = 20261201;
/** A run slower than this is a failure (a hang, or work a hostile input should not be able to ask for). */
export const RUN_TIMEOUT_MS = 5000;

export function fuzzCases(properties: readonly FuzzProperty[]): void {
  properties.forEach((property, i) => {
    it(`${property.name} (${property.runs} runs)`, async () => {
      await fc.assert(await property.build(), { numRuns: property.runs, seed: SUITE_SEED + i, timeout: RUN_TIMEOUT_MS, endOnFailure: true });
    });
  });
}
