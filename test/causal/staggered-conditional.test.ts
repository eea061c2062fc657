import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { coursePanelInput } from '../../src/causal/panel-input';
import { didStaggered, type StaggeredOptions } from '../../src/causal/staggered';
import { CONDITIONAL_CASES, CONDITIONAL_COVARIATES, weightedPanel } from '../fixtures/staggered-conditional/cases';

// The regression DiD conditional on the pre-period (laggedAdjustment 'regression') is computed from one running
// control Gram matrix per baseline end; the fixture holds what the per-cell QR fits with a logit score gave on the same
// runs (test/fixtures/staggered-conditional/make-fixture.ts). Same numbers to 1e-10: an effect relative to the larger
// of its size and its standard error (a cell whose ATT is near zero carries its fit's rounding in absolute terms),
// standard errors relative to themselves.
const TOL = 1e-10;
const fixture = JSON.parse(readFileSync('test/fixtures/staggered-conditional/sample-results.json', 'utf8'));

function close(actual: number, expected: number, scale: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(scale), 1e-300);
  if (!(err <= TOL) && actual !== expected) throw new Error(`${what}: ${actual} vs ${expected} (relative ${err.toExponential(2)})`);
}

describe('didStaggered conditional on the pre-period: the same numbers as the per-cell fits', () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });

  for (const c of CONDITIONAL_CASES) {
    it(`${c.name}: cells, aggregates, event study, band and warnings`, () => {
      const input = c.course === null ? weightedPanel() : coursePanelInput(panel, c.course, 'revenue', { covariates: CONDITIONAL_COVARIATES });
      const r = didStaggered(input, c.options as StaggeredOptions);
      const f = fixture[c.name];
      expect(r.warnings).toEqual(f.warnings);
      expect(r.attgt.map((x) => [x.group, x.time])).toEqual(f.attgt.map((x: number[]) => [x[0], x[1]]));
      r.attgt.forEach((x, i) => {
        const [g, t, est, se, nT, nC] = f.attgt[i] as number[];
        close(x.estimate, est, Math.max(Math.abs(est), se), `ATT(${g}, ${t})`);
        close(x.se, se, se, `se of ATT(${g}, ${t})`);
        close(x.nTreated, nT, nT, `treated in (${g}, ${t})`);
        close(x.nControl, nC, nC, `controls in (${g}, ${t})`);
      });
      for (const [k, e] of Object.entries(r.aggregates)) {
        const fe = f.aggregates[k];
        close(e.estimate, fe.estimate, Math.max(Math.abs(fe.estimate), fe.se), `${k} ATT`);
        close(e.se, fe.se, fe.se, `${k} se`);
        expect([e.nTreated, e.nControl]).toEqual([fe.nTreated, fe.nControl]);
      }
      expect(r.eventStudy.map((e) => e.e)).toEqual(f.eventStudy.map((x: number[]) => x[0]));
      r.eventStudy.forEach((e, i) => {
        const [ev, est, se, lower, upper] = f.eventStudy[i] as number[];
        close(e.estimate, est, Math.max(Math.abs(est), se), `event time ${ev}`);
        close(e.se, se, se, `se at event time ${ev}`);
        close(e.lower, lower, Math.max(Math.abs(lower), se), `lower bound at ${ev}`);
        close(e.upper, upper, Math.max(Math.abs(upper), se), `upper bound at ${ev}`);
      });
      r.groupEffects.forEach((e, i) => close(e.estimate, f.groupEffects[i][1], Math.max(Math.abs(f.groupEffects[i][1]), f.groupEffects[i][2]), `cohort ${e.group}`));
      r.calendarEffects.forEach((e, i) => close(e.se, f.calendarEffects[i][2], f.calendarEffects[i][2], `se in period ${e.time}`));
      close(r.criticalValue, f.criticalValue, f.criticalValue, 'critical value');
      if (f.preTrend === null) expect(r.preTrend).toBeNull();
      else {
        expect(r.preTrend!.df).toBe(f.preTrend.df);
        close(r.preTrend!.statistic, f.preTrend.statistic, f.preTrend.statistic, 'pre-trend statistic');
      }
    });
  }

  it('the comparison can fail: a perturbed run is caught', () => {
    const input = weightedPanel();
    const opts = CONDITIONAL_CASES.find((c) => c.course === null)!.options as StaggeredOptions;
    input.y[0] += 1;
    const r = didStaggered(input, opts);
    const f = fixture['weighted unbalanced panel'];
    expect(() => r.attgt.forEach((x, i) => close(x.estimate, f.attgt[i][2], Math.max(Math.abs(f.attgt[i][2]), f.attgt[i][3]), 'ATT'))).toThrow(/relative/);
  });
});
