/** Fuzz properties of the data readers (test/fuzz/properties.ts), at fixed seeds and run counts. */
import { describe } from 'vitest';
import { dataProperties } from './properties.js';
import { fuzzCases } from './run.js';

describe('fuzz: data', () => fuzzCases(dataProperties));
