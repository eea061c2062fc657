import { describe, expect, it } from 'vitest';
import { didStaggered, type PanelInput } from '../../src/causal/staggered';
import { fitOls } from '../../src/stats/ols';
import { createRng } from '../../src/stats/rng';

// The regression cells (laggedOutcomes, laggedAdjustment 'regression') are computed in closed form from a running Gram
// matrix, with 0/1 columns packed into codes and the numeric ones gathered four at a time. Each cell must still be
// the regression DiD written out: β from weighted least squares of Δy on [1, baseline blocks, covariates] among the
// cell's controls, ATT = weighted mean over the treated of Δy − xβ minus that over the controls (0 up to rounding).

interface Unit {
  g: number;
  w: number;
  y: number[];
  x: number[];
}

/** A complete panel, periods 1..nPeriods, unit outcomes with a trend that depends on the covariates. */
function makeUnits(seed: number, nUnits: number, nPeriods: number, nNum: number, nBin: number, cohorts: number[], binaryY = false): Unit[] {
  const rng = createRng(seed);
  const units: Unit[] = [];
  for (let i = 0; i < nUnits; i++) {
    const g = rng.uniform() < 0.5 ? 0 : cohorts[Math.floor(rng.uniform() * cohorts.length)];
    const x = [
      ...Array.from({ length: nNum }, (_, j) => Math.round((rng.uniform() * 50 + 20 * j) * 10) / 10),
      ...Array.from({ length: nBin }, () => (rng.uniform() < 0.4 ? 1 : 0)),
    ];
    const a = rng.uniform() * 20;
    const y: number[] = [];
    for (let t = 1; t <= nPeriods; t++) {
      const trend = x.reduce((s, v, j) => s + v * 0.01 * (j + 1), 0) * t;
      const v = a + trend + rng.uniform() * 4 + (g > 0 && t >= g ? 3 : 0) + (t > 1 ? 0.3 * y[t - 2] : 0);
      y.push(binaryY ? (rng.uniform() < 0.5 ? 1 : 0) : v);
    }
    units.push({ g, w: 1, y, x });
  }
  return units;
}

function toInput(units: Unit[], weights: boolean): PanelInput {
  const unit: number[] = [];
  const time: number[] = [];
  const y: number[] = [];
  const group: number[] = [];
  const w: number[] = [];
  const nCov = units[0].x.length;
  const cov: number[][] = Array.from({ length: nCov }, () => []);
  units.forEach((u, i) => {
    u.y.forEach((v, p) => {
      unit.push(i);
      time.push(p + 1);
      y.push(v);
      group.push(u.g);
      w.push(u.w);
      u.x.forEach((c, j) => cov[j].push(c));
    });
  });
  return {
    unit: Int32Array.from(unit),
    time: Int32Array.from(time),
    y: Float64Array.from(y),
    group: Int32Array.from(group),
    ...(weights ? { weights: Float64Array.from(w) } : {}),
    ...(nCov > 0 ? { covariates: cov.map((c, j) => ({ name: `x${j + 1}`, values: Float64Array.from(c) })) } : {}),
  };
}

/** Mean of y over periods [from, to] (1-based, clipped to the data). */
const blockMean = (y: number[], from: number, to: number) => {
  const vs = y.slice(Math.max(1, from) - 1, to);
  return vs.reduce((s, v) => s + v, 0) / vs.length;
};

/** The regression DiD of one post cell (g, t), base period g − 1, by weighted least squares written out. */
function referenceAtt(units: Unit[], g: number, t: number, blocks: number[], control: 'never' | 'notyet'): number {
  const treated = units.filter((u) => u.g === g);
  const controls = units.filter((u) => u.g === 0 || (control === 'notyet' && u.g > t));
  const row = (u: Unit) => {
    const lags: number[] = [];
    let hi = g - 1;
    for (const k of blocks) {
      lags.push(blockMean(u.y, hi - k + 1, hi));
      hi -= k;
    }
    return [1, ...lags, ...u.x];
  };
  const dy = (u: Unit) => u.y[t - 1] - u.y[g - 2];
  const p = row(controls[0]).length;
  const n0 = controls.length;
  const x = new Float64Array(n0 * p);
  controls.forEach((u, i) => row(u).forEach((v, j) => (x[j * n0 + i] = v)));
  const names = Array.from({ length: p }, (_, j) => `c${j}`);
  const fit = fitOls({ n: n0, p, names, x }, Float64Array.from(controls, dy), { weights: Float64Array.from(controls, (u) => u.w) });
  const resid = (u: Unit) => dy(u) - row(u).reduce((s, v, j) => s + v * fit.coef[j], 0);
  const mean = (us: Unit[]) => us.reduce((s, u) => s + u.w * resid(u), 0) / us.reduce((s, u) => s + u.w, 0);
  return mean(treated) - mean(controls);
}

describe('didStaggered regression cells against the regression written out', () => {
  for (const [nNum, nBin, weights] of [
    [1, 0, false],
    [3, 2, true],
    [6, 2, false],
    [9, 1, true],
  ] as const) {
    it(`one cell, ${nNum} numeric and ${nBin} 0/1 covariates${weights ? ', unit weights' : ''}`, () => {
      const units = makeUnits(10 + nNum, 500, 3, nNum, nBin, [3]);
      if (weights) units.forEach((u, i) => (u.w = 0.5 + (i % 7) / 4));
      const r = didStaggered(toInput(units, weights), { control: 'never', window: [0, 0], laggedOutcomes: 1, covariates: true, cells: 'window' });
      const cell = r.attgt.find((c) => c.group === 3 && c.time === 3)!;
      expect(cell.estimate).toBeCloseTo(referenceAtt(units, 3, 3, [1], 'never'), 9);
      expect(r.warnings).toEqual([]);
    });
  }

  it('every column 0/1 (a 0/1 outcome and 0/1 covariates: nothing to gather)', () => {
    const units = makeUnits(7, 600, 3, 0, 3, [3], true);
    const r = didStaggered(toInput(units, false), { control: 'never', window: [0, 0], laggedOutcomes: 1, covariates: true, cells: 'window' });
    const cell = r.attgt.find((c) => c.group === 3 && c.time === 3)!;
    expect(cell.estimate).toBeCloseTo(referenceAtt(units, 3, 3, [1], 'never'), 9);
  });

  it('not-yet-treated controls: the running Gram matrix follows each cell’s controls (two blocks, five covariates)', () => {
    const units = makeUnits(3, 700, 7, 5, 2, [4, 5, 6, 7]);
    const r = didStaggered(toInput(units, false), { control: 'notyet', window: [0, 3], laggedOutcomes: [1, 2], covariates: true, cells: 'all' });
    const post = r.attgt.filter((c) => c.e >= 0);
    expect(post.length).toBeGreaterThanOrEqual(8);
    for (const c of post) {
      expect(c.estimate).toBeCloseTo(referenceAtt(units, c.group, c.time, [1, 2], 'notyet'), 9);
    }
  });
});
