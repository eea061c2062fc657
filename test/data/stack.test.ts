import { describe, expect, it, beforeAll } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { stackCourse } from '../../src/data/stack';
import { DataError } from '../../src/core/errors';
import { factorLevels, knownLevelCodes } from '../../src/stats/design';
import { copyStudy, rewrite } from './helpers';

describe('stackCourse on the tiny study (rows worked by hand in test/fixtures/tiny-study/README.md)', () => {
  let p: Panel;
  beforeAll(async () => {
    p = buildPanel(await loadStudy('test/fixtures/tiny-study'));
  });
  it('builds one row per cohort and employee with baseline and post means', () => {
    const s = stackCourse(p, 'C01', 'revenue');
    const rows = Array.from({ length: s.n }, (_, r) => [
      p.periods[s.cohort[r]],
      p.employees[s.employee[r]],
      s.treated[r],
      s.yPre[r],
      s.yPost[r],
      s.weight[r],
    ]);
    expect(rows).toEqual([
      ['2024-08', 'A1', 1, 450, 1050, 4],
      ['2024-08', 'A2', 0, 500, 500, 4],
      ['2024-08', 'A4', 0, 200, 200, 2],
      ['2024-08', 'A5', 1, 345, 405, 4],
      ['2024-11', 'A2', 0, 500, 500, 1],
      ['2024-11', 'A6', 1, 1000, 1000, 1],
    ]);
    expect(s.dropped).toEqual([
      { reason: 'control: hired after the baseline began', count: 2 },
      { reason: 'control: no observed post month', count: 1 },
    ]);
  });
  it('measures covariates before the cohort month, and context factors over the window as well', () => {
    const s = stackCourse(p, 'C01', 'revenue');
    const c = s.covariates.columns;
    expect(s.covariates.names).toEqual(['role', 'region', 'level', 'tenure', 'y_pre', 'y_recent', 'quota', 'prior_C02', 'prior_C03', 'market_index', 'market_index_window', 'cohort']);
    expect(c.role).toEqual(['AE', 'AE', 'SDR', 'AE', 'AE', 'AE']);
    expect(Array.from(c.tenure as Float64Array)).toEqual([31, 17, 38, 54, 20, 62]);
    expect(Array.from(c.prior_C02 as Float64Array)).toEqual([0, 0, 1, 0, 0, 0]);
    // North, baseline Feb..Jul: mean of 1.02..1.07.
    expect((c.market_index as Float64Array)[0]).toBeCloseTo(1.045, 12);
    expect((c.market_index as Float64Array)[1]).toBe(2);
    // The same factor over the window months that were observed: A1's Sep..Dec (1.09..1.12), A2 in the South.
    expect((c.market_index_window as Float64Array)[0]).toBeCloseTo(1.105, 12);
    expect((c.market_index_window as Float64Array)[1]).toBe(2);
    expect(c.cohort).toEqual(['2024-08', '2024-08', '2024-08', '2024-08', '2024-11', '2024-11']);
  });
  it('adds the last quarter before g as y_recent, falling back to y_pre when that quarter is unobserved', () => {
    const s = stackCourse(p, 'C01', 'revenue');
    // May–Jul for the August cohort (A1 500..700, A2 500, A4 200, A5 350..370), Aug–Oct for November's (A2, A6).
    expect(Array.from(s.covariates.columns.y_recent as Float64Array)).toEqual([600, 500, 200, 360, 500, 1000]);
    // A1's May–Jul missing: the quarter has nothing, so y_recent is the baseline's mean (Feb–Apr: 300).
    const revenue = Float64Array.from(p.metrics.revenue);
    const a1 = p.employees.indexOf('A1');
    for (let j = 0; j < p.nRows; j++) if (p.rowEmployee[j] === a1 && p.rowPeriod[j] >= 4 && p.rowPeriod[j] <= 6) revenue[j] = NaN;
    const gap = stackCourse({ ...p, metrics: { ...p.metrics, revenue } }, 'C01', 'revenue');
    expect([gap.yPre[0], (gap.covariates.columns.y_recent as Float64Array)[0]]).toEqual([300, 300]);
    // A baseline of a quarter or less is its own last quarter: no y_recent.
    expect(stackCourse(p, 'C01', 'revenue', { baseline: 3 }).covariates.names).not.toContain('y_recent');
    // deals_won is 2 every month: the last quarter's mean is y_pre in every row, a copy that would make designs singular.
    expect(stackCourse(p, 'C01', 'deals_won').covariates.names).not.toContain('y_recent');
  });
  it('notes each text column’s levels and row indices as factorLevels would find them, for the encoders', () => {
    // C02 with one employee's role unknown (index −1: the empty string, a level of its own).
    const role = Int32Array.from(p.role);
    role[p.employees.indexOf('A2')] = -1;
    for (const [course, panel] of [['C01', p], ['C02', p], ['C01', { ...p, role }]] as const) {
      const s = stackCourse(panel, course, 'revenue');
      for (const name of ['role', 'region', 'cohort']) {
        const values = s.covariates.columns[name] as string[];
        const known = knownLevelCodes(values);
        expect(known, `${course} ${name}`).toBeDefined();
        const levels = factorLevels(values);
        expect(known!.levels).toEqual(levels);
        expect(Array.from(known!.index, (j) => levels[j])).toEqual(values);
      }
    }
  });
  it('honours a narrower window and baseline', () => {
    const s = stackCourse(p, 'C01', 'revenue', { window: [1, 2], baseline: 2 });
    // Cohort 2024-08: A1 pre Jun-Jul (650), post Sep-Oct (950).
    expect([s.yPre[0], s.yPost[0], s.weight[0]]).toEqual([650, 950, 2]);
    // With w1 = 2, A6 (completes 2024-11 > 2024-08 + 2) is a control for the August cohort,
    // and A3 (hired 2024-05, before the June-July baseline) now qualifies.
    expect(Array.from(s.employee.slice(0, 6)).map((e) => p.employees[e])).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    expect(Array.from(s.treated.slice(0, 6))).toEqual([1, 0, 0, 0, 1, 0]);
  });
  it('leaves out a context factor that is the same for every row of a cohort (by month alone): the cohort carries it', async () => {
    const dir = copyStudy('test/fixtures/tiny-study');
    rewrite(dir, 'context.csv', () => 'period,price_change\n' + Array.from({ length: 12 }, (_, m) => `2024-${String(m + 1).padStart(2, '0')},${(m * m) / 100}`).join('\n') + '\n');
    rewrite(dir, 'outcomes.csv', (t) => t.replace('A2,2024-02,500,2\n', 'A2,2024-02,500,2\nA2,2024-03,500,2\n')); // A2's March, so every baseline is whole
    const q = buildPanel(await loadStudy(dir));
    const s = stackCourse(q, 'C01', 'revenue');
    // Every row of a cohort now has its whole baseline observed, so the baseline mean is a function of the cohort.
    expect(s.covariates.names).not.toContain('price_change');
    // Over the window it differs where a control leaves early (A4, October): kept.
    expect(s.covariates.names).toContain('price_change_window');
    expect(s.covariates.names).toContain('cohort');
  });
  it('refuses unknown courses, metrics and bad windows, and a course nobody took', () => {
    expect(() => stackCourse(p, 'C09', 'revenue')).toThrow(/unknown `course` "C09"; the courses are C01, C02, C03/);
    expect(() => stackCourse(p, 'C01', 'profit')).toThrow(/unknown `metric` "profit"/);
    expect(() => stackCourse(p, 'C01', 'revenue', { window: [3, 1] })).toThrow(RangeError);
    expect(() => stackCourse(p, 'C01', 'revenue', { baseline: 0 })).toThrow(RangeError);
    expect(() => stackCourse(p, 'C03', 'revenue')).toThrow(DataError);
  });
});

describe('stackCourse: a seeded random sample of each cohort’s controls', () => {
  let p: Panel;
  beforeAll(async () => {
    p = buildPanel(await loadStudy('data/sample'));
  });
  const byCohort = (s: ReturnType<typeof stackCourse>) => {
    const out = new Map<number, { trained: number; controls: number; weight: number }>();
    for (let r = 0; r < s.n; r++) {
      const e = out.get(s.cohort[r]) ?? { trained: 0, controls: 0, weight: 0 };
      if (s.treated[r] === 1) e.trained++;
      else {
        e.controls++;
        e.weight += s.weight[r];
      }
      out.set(s.cohort[r], e);
    }
    return out;
  };
  it('keeps every trained row and at most max(perTrained × trained, min) controls a cohort, weighted to stand for all of them', () => {
    const full = stackCourse(p, 'C01', 'revenue');
    const s = stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 3, min: 40, seed: 7 } });
    expect(full.controlSample).toBeNull();
    const before = byCohort(full);
    const after = byCohort(s);
    let sampled = 0;
    let controls = 0;
    let kept = 0;
    for (const [g, b] of before) {
      const a = after.get(g)!;
      expect(a.trained).toBe(b.trained);
      const cap = Math.max(3 * b.trained, 40);
      expect(a.controls).toBe(Math.min(b.controls, cap));
      if (b.controls > cap) {
        sampled++;
        controls += b.controls;
        kept += cap;
      }
    }
    expect(sampled).toBeGreaterThan(10);
    expect(s.controlSample).toEqual({ perTrained: 3, min: 40, seed: 7, cohorts: sampled, controls, kept });
    // Trained rows are as they were; a kept control's weight is its post months × (controls ÷ kept) of its cohort.
    const key = (x: ReturnType<typeof stackCourse>, r: number) => `${x.cohort[r]}:${x.employee[r]}`;
    const fullRow = new Map(Array.from({ length: full.n }, (_, r) => [key(full, r), r]));
    for (let r = 0; r < s.n; r++) {
      const f = fullRow.get(key(s, r))!;
      expect(s.yPost[r]).toBe(full.yPost[f]);
      expect((s.covariates.columns.y_pre as Float64Array)[r]).toBe((full.covariates.columns.y_pre as Float64Array)[f]);
      const b = before.get(s.cohort[r])!;
      const a = after.get(s.cohort[r])!;
      const factor = s.treated[r] === 1 || a.controls === b.controls ? 1 : b.controls / a.controls;
      expect(s.weight[r]).toBeCloseTo(full.weight[f] * factor, 10);
    }
    // Rows stay in cohort order, and the covariates have the kept rows only.
    for (let r = 1; r < s.n; r++) expect(s.cohort[r]).toBeGreaterThanOrEqual(s.cohort[r - 1]);
    expect((s.covariates.columns.role as string[]).length).toBe(s.n);
  });
  it('draws the same rows for the same seed and others for another; changes nothing when no cohort is over its cap', () => {
    const a = stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 3, min: 40, seed: 7 } });
    const b = stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 3, min: 40, seed: 7 } });
    const c = stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 3, min: 40, seed: 8 } });
    expect(Array.from(b.employee)).toEqual(Array.from(a.employee));
    expect(Array.from(c.employee)).not.toEqual(Array.from(a.employee));
    expect(c.n).toBe(a.n);
    const full = stackCourse(p, 'C01', 'revenue');
    const roomy = stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 20, min: 2000, seed: 1 } });
    expect(roomy.controlSample).toEqual({ perTrained: 20, min: 2000, seed: 1, cohorts: 0, controls: 0, kept: 0 });
    expect(Array.from(roomy.employee)).toEqual(Array.from(full.employee));
    expect(Array.from(roomy.weight)).toEqual(Array.from(full.weight));
  });
  it('notices a metric changed in place between two stacks (the prefix sums are kept per column)', () => {
    const q = { ...p, metrics: { ...p.metrics, revenue: Float64Array.from(p.metrics.revenue) } };
    const a = stackCourse(q, 'C04', 'revenue');
    const before = Float64Array.from(a.yPre);
    for (let i = 0; i < q.nRows; i++) if (!Number.isNaN(q.metrics.revenue[i])) q.metrics.revenue[i] += 100;
    const b = stackCourse(q, 'C04', 'revenue');
    expect(b.n).toBe(a.n);
    for (let r = 0; r < b.n; r++) expect(b.yPre[r]).toBeCloseTo(before[r] + 100, 8);
  });
  it('refuses a sampling it cannot draw', () => {
    expect(() => stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 0, min: 10, seed: 1 } })).toThrow(/perTrained/);
    expect(() => stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 5, min: 0, seed: 1 } })).toThrow(/min/);
    expect(() => stackCourse(p, 'C01', 'revenue', { controls: { perTrained: 5, min: 10, seed: -1 } })).toThrow(/seed/);
  });
});
