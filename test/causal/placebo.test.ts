import { describe, expect, it } from 'vitest';
import { laggedOutcome, placeboDates, refuteCourse, shiftFirstCompletion, stackedInput } from '../../src/causal/placebo';
import type { RefuteInput } from '../../src/causal/refute';
import { COMPLETED_BEFORE_DATA, NEVER_COMPLETED, STILL_EMPLOYED, type Panel } from '../../src/data/panel';
import { samplingOf, stackCourse } from '../../src/data/stack';
import { designMatrix } from '../../src/stats/design';
import { fitOls } from '../../src/stats/ols';
import { coefTable, vcovOls } from '../../src/stats/vcov';
import { createRng } from '../../src/stats/rng';
import type { Estimate } from '../../src/core/estimate';

// Weighted regression of the post mean on treatment and y_pre, clustered by employee.
function ols(input: RefuteInput): Estimate {
  const yPre = input.covariates.find((c) => c.name === 'y_pre')!;
  const X = designMatrix([{ name: 'treat', values: input.treat }, yPre]);
  const fit = fitOls(X, input.y, { weights: input.weights });
  const row = coefTable(fit, vcovOls(fit, X, { cluster: input.cluster! })).find((r) => r.name === 'treat')!;
  return { method: 'ols', estimand: 'ATT', estimate: row.estimate, se: row.se, ci: [row.lower, row.upper], nTreated: 0, nControl: 0, diagnostics: {} };
}

/**
 * A hand-made panel: 36 months, 400 employees hired long before, one course C01 completed by
 * the first 150 in months 18–23; outcome 100 + noise (+ 20 from the completion month on).
 * With `preTrend`, trained employees' outcome climbs 3 a month over the 12 months before completion.
 */
function makePanel(seed: number, preTrend: boolean): Panel {
  const rng = createRng(seed);
  const T = 36;
  const nEmp = 400;
  const fc = new Int32Array(nEmp).fill(NEVER_COMPLETED);
  for (let e = 0; e < 150; e++) fc[e] = 18 + (e % 6);
  const rowEmployee = new Int32Array(nEmp * T);
  const rowPeriod = new Int32Array(nEmp * T);
  const revenue = new Float64Array(nEmp * T);
  let j = 0;
  for (let e = 0; e < nEmp; e++) {
    const level = 100 + 10 * rng.normal();
    for (let t = 0; t < T; t++, j++) {
      rowEmployee[j] = e;
      rowPeriod[j] = t;
      let y = level + 5 * rng.normal();
      if (fc[e] >= 0 && t >= fc[e]) y += 20;
      if (preTrend && fc[e] >= 0 && t >= fc[e] - 12) y += 3 * Math.min(12, t - (fc[e] - 12));
      revenue[j] = y;
    }
  }
  return {
    periods: Array.from({ length: T }, (_, t) => `${2023 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`),
    employees: Array.from({ length: nEmp }, (_, e) => `E${e}`),
    courses: ['C01'],
    courseInfo: [{ id: 'C01', title: 'C01', costPerLearner: NaN, hours: NaN }],
    hirePeriod: new Int32Array(nEmp).fill(-24),
    termPeriod: new Int32Array(nEmp).fill(STILL_EMPLOYED),
    role: new Int32Array(nEmp),
    roleLevels: ['AE'],
    region: new Int32Array(nEmp).fill(-1),
    regionLevels: [],
    level: new Float64Array(nEmp).fill(NaN),
    extraCovariates: {},
    firstCompletion: [fc],
    firstScore: [new Float64Array(nEmp).fill(NaN)],
    completions: { employee: new Int32Array(0), course: new Int32Array(0), period: new Int32Array(0), day: new Int32Array(0) },
    dropouts: { employee: new Int32Array(0), course: new Int32Array(0) },
    nRows: nEmp * T,
    rowEmployee,
    rowPeriod,
    metricNames: ['revenue'],
    metrics: { revenue },
    contextNames: [],
    context: {},
  };
}

describe('shiftFirstCompletion', () => {
  it('moves completions back and marks those that leave the data', () => {
    const p = makePanel(1, false);
    p.firstCompletion[0][0] = 3;
    const s = shiftFirstCompletion(p, 'C01', 6);
    expect(s.firstCompletion[0][0]).toBe(COMPLETED_BEFORE_DATA);
    expect(s.firstCompletion[0][1]).toBe(19 - 6);
    expect(s.firstCompletion[0][200]).toBe(NEVER_COMPLETED);
    expect(p.firstCompletion[0][1]).toBe(19);
  });
});

describe('placeboDates', () => {
  it('passes when trained and untrained ran parallel before training', () => {
    const p = makePanel(2, false);
    const original = ols(stackedInput(stackCourse(p, 'C01', 'revenue')));
    // the real effect is 20 per month; the regression recovers it within a few SEs.
    expect(Math.abs(original.estimate - 20)).toBeLessThan(4 * original.se);
    const r = placeboDates(p, 'C01', 'revenue', ols, { original });
    expect(r.passed).toBe(true);
    expect(r.stacked.treated).toBe(150);
    expect(r.reading).toMatch(/^Passed: .*moved 6 months earlier/);
  });
  it('fails when trained employees were already climbing before training', () => {
    const p = makePanel(3, true);
    const original = ols(stackedInput(stackCourse(p, 'C01', 'revenue')));
    const r = placeboDates(p, 'C01', 'revenue', ols, { original });
    expect(r.passed).toBe(false);
    expect(r.refuted).toBeGreaterThan(5);
    expect(r.reading).toMatch(/^Failed: .*pre-existing trend/);
  });
  it('draws the real estimate’s control sample again on the shifted dates, and still catches a pre-existing climb', () => {
    const p = makePanel(3, true);
    const stacked = stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 2, min: 10, seed: 5 } });
    expect(stacked.controlSample!.cohorts).toBe(6);
    const original = ols(stackedInput(stacked));
    const full = placeboDates(p, 'C01', 'revenue', ols, { original });
    const r = placeboDates(p, 'C01', 'revenue', ols, { original, controls: samplingOf(stacked) });
    // every trained employee, and at most twice as many controls as trained in each of the six cohorts (10 at least)
    expect(r.stacked.treated).toBe(150);
    expect(r.stacked.n).toBeLessThanOrEqual(150 + 2 * 150 + 6 * 10);
    expect(full.stacked.n).toBeGreaterThan(1000);
    expect(r.passed).toBe(false);
  });
  it('names a bad shift', () => {
    const p = makePanel(4, false);
    const original: Estimate = { method: 'x', estimand: 'ATT', estimate: 1, se: 1, ci: [-1, 3], nTreated: 1, nControl: 1, diagnostics: {} };
    expect(() => placeboDates(p, 'C01', 'revenue', ols, { original, shift: 1 })).toThrow('placeboDates: `shift` must be an integer ≥ 2');
  });
});

describe('laggedOutcome', () => {
  it('averages the months g − to .. g − from of each stacked row', () => {
    // 2 employees × 6 periods, metric = 10 × employee + period; rows (cohort 4, employee 0) and (cohort 3, employee 1).
    const T = 6;
    const rowEmployee = Int32Array.from({ length: 12 }, (_, j) => (j < T ? 0 : 1));
    const rowPeriod = Int32Array.from({ length: 12 }, (_, j) => j % T);
    const metric = Float64Array.from({ length: 12 }, (_, j) => 10 * rowEmployee[j] + rowPeriod[j]);
    metric[T + 0] = NaN; // employee 1, period 0 missing
    const panel = { employees: ['a', 'b'], periods: ['1', '2', '3', '4', '5', '6'], nRows: 12, rowEmployee, rowPeriod, metrics: { y: metric } };
    const out = laggedOutcome(panel, { n: 2, cohort: Int32Array.of(4, 3), employee: Int32Array.of(0, 1) }, 'y', 2, 3);
    // row 0: periods 1..2 of employee 0 → (1 + 2) / 2 = 1.5; row 1: periods 0..1 of employee 1, 0 missing → 11.
    expect(Array.from(out)).toEqual([1.5, 11]);
    const none = laggedOutcome(panel, { n: 1, cohort: Int32Array.of(1), employee: Int32Array.of(1) }, 'y', 1, 1);
    expect(Number.isNaN(none[0])).toBe(true);
    expect(() => laggedOutcome(panel, { n: 0, cohort: new Int32Array(0), employee: new Int32Array(0) }, 'y', 3, 2)).toThrow(/1 ≤ from ≤ to/);
  });
});

describe('stackedInput', () => {
  it('leaves constant covariates out', () => {
    const stacked = {
      yPost: Float64Array.of(1, 2, 3), treated: Float64Array.of(1, 0, 0), weight: Float64Array.of(1, 1, 1), employee: Int32Array.of(0, 1, 2),
      covariates: { names: ['role', 'prior_C06', 'y_pre', 'region'], columns: { role: ['AE', 'AE', 'AE'], prior_C06: Float64Array.of(0, 0, 0), y_pre: Float64Array.of(1, 5, 2), region: ['N', 'S', 'N'] } },
    } as unknown as import('../../src/data/stack').StackedData;
    expect(stackedInput(stacked).covariates.map((c) => c.name)).toEqual(['y_pre', 'region']);
  });
});

describe('refuteCourse', () => {
  it('runs the four refuters and flags the pre-trend through the placebos', () => {
    const p = makePanel(3, true);
    const stacked = stackCourse(p, 'C01', 'revenue');
    const original = ols(stackedInput(stacked));
    const out = refuteCourse(p, stacked, ols, { original, seed: 2, subsets: 5 });
    expect(out.map((r) => r.refuter)).toEqual(['placebo_dates', 'placebo_outcome', 'random_common_cause', 'data_subset']);
    expect(out[0].passed).toBe(false);
    expect(out[2].passed).toBe(true);
    expect(out.every((r) => typeof r.reading === 'string' && r.reading.length > 20)).toBe(true);
  });
  it('reports a refuter that cannot run instead of failing the rest', () => {
    const p = makePanel(2, false);
    const stacked = stackCourse(p, 'C01', 'revenue');
    const original = ols(stackedInput(stacked));
    // a 30-month shift moves every completion before the data: the placebo stack is empty.
    const out = refuteCourse(p, stacked, ols, { original, shift: 30, subsets: 3 });
    expect(out[0].passed).toBeNull();
    expect(out[0].reading).toMatch(/^Not run: /);
    expect(out[2].passed).toBe(true);
  });
});

describe('refuters on the sample company, against its known traps', () => {
  it('flag the self-selected course C01 and clear the regionally rolled-out C04', async () => {
    const { loadStudy } = await import('../../src/data/load');
    const { buildPanel } = await import('../../src/data/panel');
    const { regressionAdjustment } = await import('../../src/causal/regression');
    const panel = buildPanel(await loadStudy('data/sample'));
    const verdicts = (course: string) => {
      const s = stackCourse(panel, course, 'revenue');
      const original = regressionAdjustment(stackedInput(s));
      return refuteCourse(panel, s, (x) => regressionAdjustment(x), { original, subsets: 4 }).map((r) => r.passed);
    };
    // C01: the highly rated and those with a good last quarter enrol (data/sample/README.md): moving the completion six
    // months back finds an "effect" (the good quarter that got them in); the outcome 7–12 months before, older than that
    // spell, shows nothing once rating and baseline are adjusted for.
    expect(verdicts('C01')).toEqual([false, true, true, true]);
    // C04: rolled out region by region in waves, not chosen on performance.
    expect(verdicts('C04')).toEqual([true, true, true, true]);
  });
});
