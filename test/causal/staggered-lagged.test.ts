import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { coursePanelInput } from '../../src/causal/panel-input';
import { didStaggered, type PanelInput } from '../../src/causal/staggered';
import { createRng } from '../../src/stats/rng';

// Controls revert to the mean exactly: Δy = 10 − 0.5·y(2). Treated units dipped (low y(2)) and gain 3 on top of their
// own reversion. Regression on the lagged outcome among controls gives ATT = 3 by hand; the plain DiD credits the
// bounce-back to the course.
function meanReversionPanel(treatedY2: number[], controlY1 = [3, 1, 4, 2]): PanelInput {
  const unit: number[] = [];
  const time: number[] = [];
  const y: number[] = [];
  const group: number[] = [];
  const add = (id: number, y1: number, y2: number, gain: number, g: number) => {
    const y3 = y2 + 10 - 0.5 * y2 + gain;
    [y1, y2, y3].forEach((v, k) => {
      unit.push(id);
      time.push(k + 1);
      y.push(v);
      group.push(g);
    });
  };
  [0, 10, 20, 30].forEach((y2, i) => add(i + 1, controlY1[i], y2, 0, 0));
  treatedY2.forEach((y2, i) => add(100 + i, 5 + i, y2, 3, 3));
  return { unit: Int32Array.from(unit), time: Int32Array.from(time), y: Float64Array.from(y), group: Int32Array.from(group) };
}

describe('didStaggered conditioning on lagged outcomes: a hand-checkable case', () => {
  it('regression on y(2) among controls recovers the gain of 3; the plain DiD reports the bounce-back too', () => {
    const input = meanReversionPanel([0, 4]);
    // by hand: treated Δy = 13 and 11, predicted 10 and 8 → ATT 3; plain DiD: mean(13, 11) − mean(10, 5, 0, −5) = 12 − 2.5 = 9.5
    const plain = didStaggered(input, { control: 'never', window: [0, 0] });
    expect(plain.aggregates.window.estimate).toBeCloseTo(9.5, 10);
    const lagged = didStaggered(input, { control: 'never', window: [0, 0], laggedOutcomes: 1 });
    expect(lagged.aggregates.window.estimate).toBeCloseTo(3, 10);
    expect(lagged.aggregates.window.diagnostics.laggedOutcomes).toEqual([1]);
    const dr = didStaggered(input, { control: 'never', window: [0, 0], laggedOutcomes: 1, laggedAdjustment: 'doubly-robust' });
    expect(dr.aggregates.window.estimate).toBeCloseTo(3, 8); // outcome model exact: DR agrees whatever the score
  });
  it('separation (every treated unit below every control) falls back to regression adjustment with a warning', () => {
    const input = meanReversionPanel([-5, -3]);
    const r = didStaggered(input, { control: 'never', window: [0, 0], laggedOutcomes: 1, laggedAdjustment: 'doubly-robust' });
    expect(r.warnings.join('\n')).toMatch(/propensity score cannot be fitted .*regression adjustment used/);
    expect(r.aggregates.window.estimate).toBeCloseTo(3, 8);
  });
  it('a baseline block before the data is dropped for that cell, with a note', () => {
    const r = didStaggered(meanReversionPanel([0, 4]), { control: 'never', window: [0, 0], laggedOutcomes: [1, 5] });
    expect(r.warnings.join('\n')).toMatch(/baseline block 2 \(5 periods\) has no observed value/);
    expect(r.aggregates.window.estimate).toBeCloseTo(3, 10);
  });
  it('a cell whose outcome model is singular (4 controls, y(1) and y(2) collinear) is left out with a warning, not an error', () => {
    const r = didStaggered(meanReversionPanel([0, 4], [1, 2, 3, 4]), { control: 'never', window: [0, 0], laggedOutcomes: [1, 5] });
    expect(r.warnings.join('\n')).toMatch(/outcome model cannot be fitted .*cells left out: 1 cell \(g, t\) \(3, 3\)/);
    expect(r.aggregates.window.estimate).toBeNaN();
  });
  it('bad arguments are refused by name', () => {
    const input = meanReversionPanel([0, 4]);
    expect(() => didStaggered(input, { laggedOutcomes: 0 })).toThrow(/`laggedOutcomes` must be an integer >= 1/);
    expect(() => didStaggered(input, { laggedOutcomes: [] })).toThrow(/`laggedOutcomes`/);
    expect(() => didStaggered(input, { laggedOutcomes: 1, laggedAdjustment: 'ipw' as never })).toThrow(/`laggedAdjustment` must be/);
  });
});

// Units with a persistent level and AR(1) shocks; a unit enrols (cohort 4) after a bad period 3 and gains 2 from period 5 (e >= 1).
function dipPanel(nUnits: number, seed: number): PanelInput {
  const rng = createRng(seed);
  const T = 6;
  const unit = new Int32Array(nUnits * T);
  const time = new Int32Array(nUnits * T);
  const y = new Float64Array(nUnits * T);
  const group = new Int32Array(nUnits * T);
  const path = new Float64Array(T);
  for (let u = 0; u < nUnits; u++) {
    const level = 10 + 2 * rng.normal();
    let shock = rng.normal();
    for (let t = 0; t < T; t++) {
      shock = 0.5 * shock + rng.normal();
      path[t] = level + 0.3 * t + shock;
    }
    // Selection on the observed baseline only (a dip in period 3 below the mean of periods 1-2), so it is ignorable given the lags.
    const g = path[2] - (path[0] + path[1]) / 2 < -1 && rng.uniform() < 0.6 ? 4 : 0;
    for (let t = 0; t < T; t++) {
      const i = u * T + t;
      unit[i] = u;
      time[i] = t + 1;
      group[i] = g;
      y[i] = path[t] + (g > 0 && t + 1 > g ? 2 : 0);
    }
  }
  return { unit, time, y, group };
}

function resampleUnits(input: PanelInput, nUnits: number, T: number, seed: number): PanelInput {
  const rng = createRng(seed);
  const pick = Int32Array.from({ length: nUnits }, () => rng.int(nUnits));
  const take = <A extends Int32Array | Float64Array>(col: A, make: (n: number) => A) => {
    const out = make(nUnits * T);
    for (let k = 0; k < nUnits; k++) for (let t = 0; t < T; t++) out[k * T + t] = col[pick[k] * T + t];
    return out;
  };
  return {
    unit: Int32Array.from({ length: nUnits * T }, (_, i) => Math.floor(i / T)),
    time: take(input.time, (n) => new Int32Array(n)),
    y: take(input.y, (n) => new Float64Array(n)),
    group: take(input.group, (n) => new Int32Array(n)),
  };
}

describe('didStaggered with lagged outcomes: analytic standard errors', () => {
  it('the window ATT recovers the gain of 2 and its influence-function SE matches a unit bootstrap (within 20%)', () => {
    const nUnits = 800;
    const input = dipPanel(nUnits, 11);
    const opts = { laggedOutcomes: [1, 2], window: [1, 2] as [number, number] };
    const r = didStaggered(input, opts).aggregates.window;
    const draws: number[] = [];
    for (let b = 0; b < 150; b++) draws.push(didStaggered(resampleUnits(input, nUnits, 6, 100 + b), opts).aggregates.window.estimate);
    const mean = draws.reduce((a, v) => a + v, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, v) => a + (v - mean) ** 2, 0) / (draws.length - 1));
    expect(Math.abs(r.estimate - 2)).toBeLessThan(3 * r.se);
    expect(r.se / sd).toBeGreaterThan(0.8);
    expect(r.se / sd).toBeLessThan(1.2);
    // the plain DiD credits the bounce-back after the dip to the course
    expect(didStaggered(input, { window: [1, 2] }).aggregates.window.estimate).toBeGreaterThan(2.3);
  });
});

// The sample company (data/sample, seed 7): C01 is taken by the highly rated and those with a good last quarter, C02 is
// assigned after a bad quarter (regression to the mean), C04 rolls out region by region into regional market shocks. The
// option as the study uses it (estimateCourse): the last 3 months and the 9 before them, with role, level, region and
// manager_rating alongside.
describe('didStaggered with lagged outcomes on the sample company (revenue, window 1..12)', () => {
  let panel: Panel;
  const truth = JSON.parse(readFileSync('data/sample/truth.json', 'utf8')) as { effects: Record<string, { revenue: { att: number } }> };
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });
  const windowAtt = (course: string, lagged: boolean) => {
    const input = coursePanelInput(panel, course, 'revenue', lagged ? { covariates: ['role', 'level', 'region', 'manager_rating'] } : {});
    return didStaggered(input, lagged ? { laggedOutcomes: [3, 9], covariates: true } : {}).aggregates.window;
  };
  for (const course of ['C01', 'C02', 'C03', 'C04', 'C05']) {
    it(`${course}: the interval covers the true ATT`, () => {
      const w = windowAtt(course, true);
      const att = truth.effects[course].revenue.att;
      expect(w.ci[0]).toBeLessThan(att);
      expect(w.ci[1]).toBeGreaterThan(att);
    });
  }
  it('C02: without the option the interval misses the truth (203) by far; with it the estimate moves onto it', () => {
    const att = truth.effects.C02.revenue.att;
    expect(windowAtt('C02', false).ci[0]).toBeGreaterThan(att + 1000);
    expect(Math.abs(windowAtt('C02', true).estimate - att)).toBeLessThan(400);
  });
  it('C01 and C04: the plain comparison misses (a good quarter before enrolling; regional shocks on whole waves), the conditional one does not', () => {
    for (const course of ['C01', 'C04']) {
      const att = truth.effects[course].revenue.att;
      expect(windowAtt(course, false).ci[1]).toBeLessThan(att);
    }
  });
});

// The study's conditional DiD reports only the window ATT, so it fits only the window's cells (`cells: 'window'`).
describe("didStaggered with cells: 'window'", () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });
  // The regression cells update one running Gram matrix as the control set changes from cell to cell, so skipping
  // cells changes the order of the additions: equal to rounding (1e-9 of the revenue scale), not always to the last bit.
  const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(100, Math.abs(b)));
  for (const lagged of [true, false]) {
    it(`gives the window ATT and standard error of all cells (${lagged ? 'lagged outcomes and covariates' : 'plain'})`, () => {
      for (const course of ['C01', 'C02', 'C04']) {
        const input = coursePanelInput(panel, course, 'revenue', lagged ? { covariates: ['role', 'level', 'region', 'manager_rating'] } : {});
        const opts = lagged ? { laggedOutcomes: [3, 9], covariates: true } : {};
        const all = didStaggered(input, { ...opts, window: [1, 12] });
        const win = didStaggered(input, { ...opts, window: [1, 12], cells: 'window' });
        near(win.aggregates.window.estimate, all.aggregates.window.estimate);
        near(win.aggregates.window.se, all.aggregates.window.se);
        expect(win.aggregates.window.nTreated).toBe(all.aggregates.window.nTreated);
        // only the window's cells, and each the same as in the full run
        const inWindow = all.attgt.filter((c) => c.e >= 1 && c.e <= 12);
        expect(win.attgt.map((c) => [c.group, c.time])).toEqual(inWindow.map((c) => [c.group, c.time]));
        win.attgt.forEach((c, k) => {
          near(c.estimate, inWindow[k].estimate);
          near(c.se, inWindow[k].se);
        });
        expect(win.attgt.length).toBeLessThan(all.attgt.length / 2);
        expect(win.eventStudy.map((p) => p.e)).toEqual(all.eventStudy.filter((p) => p.e >= 1).map((p) => p.e));
        expect(win.preTrend).toBeNull();
        for (const k of ['simple', 'group', 'calendar', 'dynamic'] as const) expect(win.aggregates[k].estimate).toBeNaN();
        expect(win.groupEffects).toEqual([]);
        expect(win.calendarEffects).toEqual([]);
      }
    });
  }
  it("cells: 'path' gives the window ATT, the event study and the pre-trend test of all cells", () => {
    for (const course of ['C01', 'C03', 'C06']) {
      const input = coursePanelInput(panel, course, 'revenue');
      const opts = { window: [1, 12] as [number, number], eventRange: [-6, 12] as [number, number] };
      const all = didStaggered(input, opts);
      const path = didStaggered(input, { ...opts, cells: 'path' });
      near(path.aggregates.window.estimate, all.aggregates.window.estimate);
      near(path.aggregates.window.se, all.aggregates.window.se);
      expect(path.eventStudy.map((p) => p.e)).toEqual(all.eventStudy.map((p) => p.e));
      path.eventStudy.forEach((p, k) => {
        near(p.estimate, all.eventStudy[k].estimate);
        near(p.se, all.eventStudy[k].se);
      });
      expect(path.preTrend).not.toBeNull();
      near(path.preTrend!.statistic, all.preTrend!.statistic);
      expect(path.preTrend!.df).toBe(all.preTrend!.df);
      expect(path.attgt.every((c) => c.e >= -6 && c.e <= 12)).toBe(true);
      expect(path.attgt.length).toBeLessThan(all.attgt.length);
      for (const k of ['simple', 'group', 'calendar', 'dynamic'] as const) expect(path.aggregates[k].estimate).toBeNaN();
    }
  });
  it('rejects an unknown cell set', () => {
    const input = coursePanelInput(panel, 'C01', 'revenue');
    expect(() => didStaggered(input, { cells: 'post' as 'all' })).toThrow(/`cells` must be 'all', 'window' or 'path', got "post"/);
  });
});
