/** Fuzz properties of model.json / manifest parsing through openBundle (test/fuzz/properties.ts), at fixed seeds. */
import { beforeAll, describe } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { bundleProperties } from './properties.js';
import { fuzzCases } from './run.js';

beforeAll(async () => {
  await initEngine(); // the fixtures build a real MLP
});

describe('fuzz: bundle', () => fuzzCases(bundleProperties));
