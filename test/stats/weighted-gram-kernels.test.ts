import { describe, expect, it } from 'vitest';
import { designMatrix } from '../../src/stats/design';
import { designStructure, weightedGram } from '../../src/stats/linalg';
import { createRng } from '../../src/stats/rng';
import { firstDifference, plainGram } from './plain-kernels';

// weightedGram works by blocks of rows, two product rows a pass, five dense columns a level pass and up to
// four tables of level pairs a pass: it must still give the plain loop's Σ_i (ω_i x_ij) x_ik bit for bit.

describe('weightedGram by structure (cross-speed)', () => {
  for (const numeric of [1, 4, 8, 9]) {
    it(`equals the plain loop bit for bit with ${numeric} numeric columns and seven factors`, () => {
      const rng = createRng(numeric);
      const n = 5000;
      const cols = [];
      for (let c = 0; c < numeric; c++) cols.push({ name: `x${c}`, values: Float64Array.from({ length: n }, () => rng.normal() * (c + 1)) });
      // Factors of 2 to 6 levels: interleaved, and in runs (as cohorts are).
      for (let f = 0; f < 7; f++) {
        const levels = 2 + (f % 5);
        cols.push({ name: `f${f}`, values: Array.from({ length: n }, (_, i) => `l${f % 2 === 0 ? rng.int(levels) : Math.floor((i * levels) / n)}`) });
      }
      const X = designMatrix(cols);
      const omega = Float64Array.from({ length: n }, () => rng.uniform() * 3);
      const s = designStructure(X);
      expect(s.groups.length).toBeGreaterThan(4);
      const got = weightedGram(X, omega, undefined, s);
      expect(firstDifference(got, plainGram(X, omega))).toBe(-1);
    });
  }
});
