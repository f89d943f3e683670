/** Fuzz properties of the crypto readers (test/fuzz/properties.ts), at fixed seeds and run counts. */
import { describe } from 'vitest';
import { cryptoProperties } from './properties.js';
import { fuzzCases } from './run.js';

describe('fuzz: crypto', () => fuzzCases(cryptoProperties));
