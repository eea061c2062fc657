import { describe, expect, it, beforeAll } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, COMPLETED_BEFORE_DATA, type Panel } from '../../src/data/panel';
import { stackCourse } from '../../src/data/stack';
import { shiftFirstCompletion } from '../../src/causal/placebo';
import { factorLevels, knownLevelCodes } from '../../src/stats/design';

// The prior-completion and cohort-label columns are built by table look-ups and run fills (for speed):
// they must say what the row-by-row definitions say, on real data and on shifted (placebo) dates.
describe('stackCourse prior_<course> and cohort columns against their row-by-row definitions', () => {
  let p: Panel;
  beforeAll(async () => {
    p = buildPanel(await loadStudy('data/sample'));
  });
  const panels = (course: string) => [p, shiftFirstCompletion(p, course, 6)];
  it('prior_<course> is 1 exactly when the other course was first completed before the cohort month', () => {
    let ones = 0;
    for (const course of p.courses) {
      for (const panel of panels(course)) {
        const s = stackCourse(panel, course, 'revenue', { controls: { perTrained: 2, min: 5, seed: 3 } });
        for (const [k2, other] of panel.courses.entries()) {
          if (other === course) continue;
          const col = s.covariates.columns[`prior_${other}`] as Float64Array;
          expect(col).toBeInstanceOf(Float64Array);
          for (let r = 0; r < s.n; r++) {
            const f = panel.firstCompletion[k2][s.employee[r]];
            const want = f === COMPLETED_BEFORE_DATA || (f >= 0 && f < s.cohort[r]) ? 1 : 0;
            if (col[r] !== want) expect([course, other, r, col[r]]).toEqual([course, other, r, want]);
            ones += want;
          }
        }
      }
    }
    expect(ones).toBeGreaterThan(0);
  });
  it('the cohort column is each row\'s period label, with its levels and row codes noted', () => {
    for (const course of p.courses) {
      for (const panel of panels(course)) {
        const s = stackCourse(panel, course, 'revenue', { window: [1, 5] });
        const col = s.covariates.columns.cohort as string[];
        expect(col).toEqual(Array.from(s.cohort, (g) => panel.periods[g]));
        const known = knownLevelCodes(col);
        expect(known?.levels).toEqual(factorLevels([...new Set(col)]));
        expect(Array.from(known!.index, (j) => known!.levels[j])).toEqual(col);
      }
    }
  });
});
