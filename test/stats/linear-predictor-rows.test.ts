import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { designStructure, linearPredictor, structureRows, weightedGram, type DesignStructure } from '../../src/stats/linalg';
import { designMatrix, type Design, type NamedColumn } from '../../src/stats/design';
import { createRng } from '../../src/stats/rng';
import { plainBlockedPredictor, plainGram } from './plain-kernels';

// linearPredictor as it was before it worked the rows in blocks: each block of four columns over every row
// in turn (a block of one group's levels added over those levels' rows), then the remaining columns. The
// reference the row-blocked kernel must match bit for bit.
function columnByColumnPredictor(X: Design, beta: Float64Array, structure: DesignStructure): Float64Array {
  const { n, p, x } = X;
  const group = new Int32Array(p).fill(-1);
  const level = new Int32Array(p).fill(-1);
  structure.groups.forEach((g, k) => g.columns.forEach((c, l) => ((group[c] = k), (level[c] = l))));
  const out = new Float64Array(n);
  let j = 0;
  for (; j + 3 < p; j += 4) {
    const g = group[j];
    if (g >= 0 && group[j + 1] === g && group[j + 2] === g && group[j + 3] === g) {
      const { order, start } = structure.groups[g];
      for (let c = j; c < j + 4; c++) for (let r = start[level[c]]; r < start[level[c] + 1]; r++) out[order[r]] += beta[c];
      continue;
    }
    for (let i = 0; i < n; i++) out[i] += x[j * n + i] * beta[j] + x[(j + 1) * n + i] * beta[j + 1] + x[(j + 2) * n + i] * beta[j + 2] + x[(j + 3) * n + i] * beta[j + 3];
  }
  const rows = structureRows(structure);
  for (; j < p; j++) {
    const b = beta[j];
    if (b === 0) continue;
    const idx = rows[j];
    if (idx === null) for (let i = 0; i < n; i++) out[i] += x[j * n + i] * b;
    else for (let r = 0; r < idx.length; r++) out[idx[r]] += x[j * n + idx[r]] * b;
  }
  return out;
}

// Index of the first element that differs under Object.is (NaN equal to NaN, −0 apart from 0), or -1.
function firstDiffering(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

// Factors of several sizes (some with a rare level), lone indicators, numeric columns and a sparse numeric
// column, in a shuffled order so that blocks of four columns fall inside one factor, across two, or across
// indicators and numbers.
function randomDesign(n: number, seed: number, factors: number, numeric: number): Design {
  const rng = createRng(seed);
  const columns: NamedColumn[] = [];
  for (let f = 0; f < factors; f++) {
    const levels = 2 + rng.int(9);
    const values: string[] = [];
    for (let i = 0; i < n; i++) values.push(rng.uniform() < 0.02 ? 'rare' : `l${rng.int(levels)}`);
    values[0] = 'rare'; // at least two levels
    values[1] = 'l0';
    columns.push({ name: `f${f}`, values });
  }
  for (let k = 0; k < numeric; k++) {
    const values = new Float64Array(n);
    const kind = rng.int(3);
    for (let i = 0; i < n; i++) values[i] = kind === 0 ? rng.normal() * 100 : kind === 1 ? (rng.uniform() < 0.1 ? 1 : 0) : rng.uniform() < 0.05 ? rng.normal() : 0;
    columns.push({ name: `x${k}`, values });
  }
  for (let k = columns.length - 1; k > 0; k--) {
    const r = rng.int(k + 1);
    [columns[k], columns[r]] = [columns[r], columns[k]];
  }
  return designMatrix(columns, { intercept: rng.uniform() < 0.8 });
}

function randomBeta(p: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const beta = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const u = rng.uniform();
    beta[j] = u < 0.1 ? 0 : u < 0.15 ? -0 : rng.normal() * 10 ** rng.int(6);
  }
  return beta;
}

describe('linearPredictor worked in blocks of rows', () => {
  it('matches the column-by-column kernel and the plain blocked sums bit for bit on random designs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9500 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1 << 30 }), (n, factors, numeric, seed) => {
        const X = randomDesign(n, seed, factors, numeric);
        if (X.p === 0) return;
        const beta = randomBeta(X.p, seed + 1);
        const structure = designStructure(X);
        const got = linearPredictor(X, beta, undefined, structure);
        expect(firstDiffering(got, columnByColumnPredictor(X, beta, structure))).toBe(-1);
        expect(firstDiffering(got, plainBlockedPredictor(X, beta))).toBe(-1);
        expect(firstDiffering(linearPredictor(X, beta), plainBlockedPredictor(X, beta))).toBe(-1);
      }),
      { numRuns: 60 },
    );
  });

  it('carries each column on across many blocks of rows, with wide designs and a reused output', () => {
    const n = 20_011;
    const X = randomDesign(n, 7, 5, 14);
    const structure = designStructure(X);
    expect(structure.groups.some((g) => g.columns.length >= 4)).toBe(true);
    const out = new Float64Array(n).fill(NaN);
    for (let s = 0; s < 3; s++) {
      const beta = randomBeta(X.p, 100 + s);
      linearPredictor(X, beta, out, structure);
      expect(firstDiffering(out, columnByColumnPredictor(X, beta, structure))).toBe(-1);
    }
  });
});

describe('weightedGram with many dense columns (nine-column passes over each level)', () => {
  // Dense numeric columns from 1 to 21 (so that nine-column passes leave every remainder: 0, 1 → five and five, 2, …),
  // next to factors; weights with zeros. Each level's sums against the dense columns must be the plain loop's.
  it('matches the plain loop bit for bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3000 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 21 }), fc.integer({ min: 0, max: 1 << 30 }), (n, factors, dense, seed) => {
        const rng = createRng(seed);
        const columns: NamedColumn[] = [];
        for (let f = 0; f < factors; f++) {
          const levels = 2 + rng.int(6);
          const values: string[] = [];
          for (let i = 0; i < n; i++) values.push(`l${rng.int(levels)}`);
          values[0] = 'l0';
          values[1] = 'l1';
          columns.push({ name: `f${f}`, values });
        }
        for (let k = 0; k < dense; k++) {
          const values = new Float64Array(n);
          for (let i = 0; i < n; i++) values[i] = rng.normal() * 10 ** rng.int(4);
          columns.push({ name: `x${k}`, values });
        }
        const X = designMatrix(columns);
        const omega = new Float64Array(n);
        for (let i = 0; i < n; i++) omega[i] = rng.uniform() < 0.15 ? 0 : rng.uniform() * 3;
        expect(firstDiffering(weightedGram(X, omega), plainGram(X, omega))).toBe(-1);
      }),
      { numRuns: 60 },
    );
  });
});
