import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { readFileSync } from 'node:fs';
import { estimateCourse, STUDY_REGRESSION_OPTIONS } from '../../src/study/estimate-course';
import { stackCourse } from '../../src/data/stack';
import { stackedInput } from '../../src/causal/placebo';
import { regressionAdjustment } from '../../src/causal/regression';

describe('estimateCourse: the reported did_staggered', () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });
  it('is the comparison conditional on the pre-period and the employee attributes; the event study stays plain', () => {
    const r = estimateCourse(panel, 'C04', 'revenue', { methods: ['did_twfe', 'did_staggered'] });
    const did = r.estimates.find((e) => e.method === 'did_staggered')!;
    expect(r.conditionalStaggered).not.toBeNull();
    expect(did.estimate).toBe(r.conditionalStaggered!.aggregates.window.estimate);
    expect(did.diagnostics.laggedOutcomes).toEqual([3, 9]);
    // the plain comparison is still there for the event study and the pre-period test, and it differs
    expect(r.staggered!.aggregates.window.diagnostics.laggedOutcomes).toEqual([]);
    expect(Math.abs(r.staggered!.aggregates.window.estimate - did.estimate)).toBeGreaterThan(50);
    expect(r.panelVerdict!.flags.map((f) => f.kind)).toContain('TWFE unreliable here');
  });
  it('conditionalDid: false reports the plain comparison', () => {
    const r = estimateCourse(panel, 'C04', 'revenue', { methods: ['did_staggered'], conditionalDid: false });
    const did = r.estimates.find((e) => e.method === 'did_staggered')!;
    expect(r.conditionalStaggered).toBeNull();
    expect(did.estimate).toBe(r.staggered!.aggregates.window.estimate);
    expect(did.diagnostics.laggedOutcomes).toEqual([]);
  });
});

describe("estimateCourse: the regression's interval is for the trained employees' own average effect", () => {
  let panel: Panel;
  let truth: Record<string, { revenue: { att: number } }>;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
    truth = JSON.parse(readFileSync('data/sample/truth.json', 'utf8')).effects;
  });
  it('the stacked data carry the assessment score on trained rows only, and the input names the effect modifiers', () => {
    const s = stackCourse(panel, 'C01', 'revenue');
    const k = panel.courses.indexOf('C01');
    let trained = 0;
    for (let r = 0; r < s.n; r++) {
      if (s.treated[r] === 1) {
        trained++;
        expect(s.score![r]).toBe(panel.firstScore[k][s.employee[r]]);
      } else expect(s.score![r]).toBeNaN();
    }
    expect(trained).toBeGreaterThan(100);
    expect(stackedInput(s).modifiers!.map((m) => m.name)).toEqual(['y_pre', 'score']);
    // CRM Mastery has no assessment
    expect(stackCourse(panel, 'C04', 'revenue').score).toBeNull();
    expect(stackedInput(stackCourse(panel, 'C04', 'revenue')).modifiers!.map((m) => m.name)).toEqual(['y_pre']);
  });
  it('C01, whose effect scales with the size of the job and the score: modifiers and CR2, an interval narrower than the common-effect one that still covers the truth', () => {
    const r = estimateCourse(panel, 'C01', 'revenue', { methods: ['regression_adjustment'] });
    const est = r.estimates[0];
    expect(est.diagnostics.modifiers).toEqual(['y_pre', 'score']);
    expect(est.diagnostics.vcov).toBe('cluster (CR2)');
    const common = regressionAdjustment(stackedInput(r.stacked!), { ...STUDY_REGRESSION_OPTIONS, modifiers: false });
    expect(est.se).toBeLessThan(0.9 * common.se);
    const att = truth.C01.revenue.att;
    expect(est.ci[0]).toBeLessThan(att);
    expect(est.ci[1]).toBeGreaterThan(att);
  });
});
