// The fitting core of causal credit as it was before it was made to scale: every column dense, demeaned
// over the whole panel by alternating projections on employee and role × region × month codes, the
// controls partialled out column by column (Frisch–Waugh–Lovell), the normal equations and scores from
// the dense net columns. causal-credit-scale.test.ts holds the library's sparse core to it. Not used by
// the library.
import type { CreditFitter, CreditProblem, SparseColumn } from '../../src/attribution/causal-credit';
import { demeanTwoWay } from '../../src/stats/fixed-effects';
import { choleskyScaled, choleskySolve } from '../../src/stats/linalg';

function dense(c: SparseColumn, n: number): Float64Array {
  const x = new Float64Array(n);
  c.rows.forEach((r, k) => (x[r] = c.values[k]));
  return x;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// Each target replaced by its residual on the nuisance columns, a column dependent on earlier ones left out.
function partialOut(targets: Float64Array[], nuisance: Float64Array[]): void {
  let active = nuisance.map((_, j) => j);
  for (;;) {
    if (active.length === 0) return;
    const q = active.length;
    const G = new Float64Array(q * q);
    for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) G[a * q + c] = dot(nuisance[active[a]], nuisance[active[c]]);
    const f = choleskyScaled(G, q, 1e-9);
    if ('dependent' in f) {
      const gone = f.dependent;
      active = active.filter((_, a) => a !== gone);
      continue;
    }
    for (const col of targets) {
      const theta = choleskySolve(f, Float64Array.from(active, (j) => dot(nuisance[j], col)), q);
      active.forEach((j, a) => {
        for (let i = 0; i < col.length; i++) col[i] -= theta[a] * nuisance[j][i];
      });
    }
    return;
  }
}

export function denseFitter(problem: CreditProblem): CreditFitter {
  const { n, unit, nUnits } = problem;
  // Role × region × month cells, coded densely.
  const cellCode = new Map<number, number>();
  const cell = Int32Array.from({ length: n }, (_, i) => {
    const key = problem.group[i] * problem.nMonths + problem.month[i];
    let c = cellCode.get(key);
    if (c === undefined) cellCode.set(key, (c = cellCode.size));
    return c;
  });
  const demean = (cols: Float64Array[]) => demeanTwoWay(cols, unit, nUnits, cell, cellCode.size);
  const nuisance = problem.nuisance.map((c) => dense(c, n));
  const yw = Float64Array.from(problem.y);
  demean([yw, ...nuisance]);
  partialOut([yw], nuisance);
  let x: Float64Array[] = [];
  return {
    netOutcome: () => yw,
    normalEquations(cols) {
      x = cols.map((c) => dense(c, n));
      demean(x);
      partialOut(x, nuisance);
      const p = x.length;
      const G = new Float64Array(p * p);
      const b = Float64Array.from(x, (xj) => dot(xj, yw));
      for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) G[j * p + k] = dot(x[j], x[k]);
      return { G, b };
    },
    scores(coef) {
      const p = x.length;
      const resid = Float64Array.from(yw);
      for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) resid[i] -= coef[j] * x[j][i];
      const score = new Float64Array(nUnits * p);
      for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) score[unit[i] * p + j] += x[j][i] * resid[i];
      return score;
    },
  };
}
