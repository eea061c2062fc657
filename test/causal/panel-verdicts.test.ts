import { describe, expect, it } from 'vitest';
import { panelVerdict, windowCoverage } from '../../src/causal/panel-verdicts';
import { didStaggered } from '../../src/causal/staggered';
import { createRng } from '../../src/stats/rng';
import type { PanelInput } from '../../src/causal/panel-input';
import { BRACKETED, courseVerdict } from '../../src/study/verdict';

/** A seeded panel: units 0..n−1 over months 1..T; cohorts by unit; an optional pre-trend for the trained. */
function panel(n: number, T: number, cohortOf: (u: number) => number, drift = 0): PanelInput {
  const rng = createRng(11);
  const unit: number[] = [];
  const time: number[] = [];
  const group: number[] = [];
  const y: number[] = [];
  for (let u = 0; u < n; u++) {
    const g = cohortOf(u);
    for (let t = 1; t <= T; t++) {
      unit.push(u);
      time.push(t);
      group.push(g);
      y.push(rng.normal() + (g > 0 ? drift * t : 0) + (g > 0 && t >= g ? 1 : 0));
    }
  }
  return { unit: Int32Array.from(unit), time: Int32Array.from(time), group: Int32Array.from(group), y: Float64Array.from(y) };
}

describe('windowCoverage', () => {
  it('counts trained units whose window lies in the data and the months that remain', () => {
    // months 1..10; cohorts 3 (20 units), 8 (20 units), never (20 units); window 1..4
    const input = panel(60, 10, (u) => (u < 20 ? 3 : u < 40 ? 8 : 0));
    const c = windowCoverage(input, [1, 4]);
    expect(c).toEqual({ trained: 40, fullyObserved: 20, share: 0.5, monthsUntilEnough: 0, monthsUntilAll: 2 });
    expect(windowCoverage(input, [1, 4], 0.75).monthsUntilEnough).toBe(2);
  });
});

describe('panelVerdict', () => {
  it('too early to judge, with the months that remain', () => {
    const input = panel(60, 10, (u) => (u < 30 ? 8 : 0));
    const v = panelVerdict('C1', { input, staggered: didStaggered(input, { window: [1, 6] }), window: [1, 6] });
    expect(v.flags.map((f) => f.kind)).toContain('too early to judge');
    expect(v.flags[0].reason).toMatch(/^none of the 30 trained has their months 1–6 after completion in the data; 50% will in 4 more months/);
    const large = panel(2400, 10, (u) => (u < 1200 ? 8 : 0));
    const w = panelVerdict('C1', { input: large, staggered: didStaggered(large, { window: [1, 6] }), window: [1, 6] });
    expect(w.flags[0].reason).toMatch(/^none of the 1,200 trained has/);
  });
  it('no comparison group, not too early, when everyone was trained within a month of each other', () => {
    const input = panel(60, 10, (u) => (u < 30 ? 4 : 5));
    const v = panelVerdict('C5', { input, staggered: didStaggered(input, { window: [1, 3] }), window: [1, 3] });
    expect(v.flags.map((f) => f.kind)).toEqual(['no comparison group']);
    expect(v.flags[0].reason).toMatch(/^no cohort has a comparison group at event times 1\.\.3/);
  });
  it('pre-trends present when the trained were diverging before', () => {
    const input = panel(200, 12, (u) => (u < 100 ? 7 : 0), 0.3);
    const v = panelVerdict('C2', { input, staggered: didStaggered(input, { window: [1, 3] }), window: [1, 3] });
    expect(v.flags.map((f) => f.kind)).toEqual(['pre-trends present']);
  });
  it('pre-period untested when the trained are first seen at completion (hired for it), and the study sets that DiD aside', () => {
    // Units 0..99 join in month 3 and complete the course in month 4 (one month before it: the DiD's base
    // period, nothing earlier to test on); 100 never-trained units run all 12 months.
    const full = panel(200, 12, (u) => (u < 100 ? 4 : 0));
    const keep = Array.from(full.unit, (u, i) => u >= 100 || full.time[i] >= 3);
    const pick = <A extends Int32Array | Float64Array>(a: A): A => a.filter((_, i) => keep[i]) as A;
    const input: PanelInput = { unit: pick(full.unit), time: pick(full.time), group: pick(full.group), y: pick(full.y) };
    const staggered = didStaggered(input, { window: [1, 3] });
    expect(Number.isFinite(staggered.aggregates.window.estimate)).toBe(true);
    const v = panelVerdict('C4', { input, staggered, window: [1, 3] });
    expect(v.flags.map((f) => f.kind)).toEqual(['pre-period untested']);
    expect(v.flags[0].reason).toMatch(/no month before completion in the data .* a new hire ramping up would read as an effect/);
    const did = { ...staggered.aggregates.window, method: 'did_staggered', course: 'C4' };
    const verdict = courseVerdict('C4', [did], v);
    expect(verdict.verdict).toBe('methods disagree');
    expect(verdict.recommended).toBeUndefined();
    expect(verdict.reason).toMatch(/^No selection-robust estimate could be made: the staggered DiD was set aside because the trained have no month before completion/);
  });
  it('no flag on a clean panel, and the summary gives the estimate', () => {
    const input = panel(200, 12, (u) => (u < 100 ? 5 : 0));
    const v = panelVerdict('C3', { input, staggered: didStaggered(input, { window: [1, 3] }), window: [1, 3] });
    expect(v.flags).toEqual([]);
    expect(v.summary).toMatch(/C3: the staggered DiD estimate over months 1–3 is (0\.9\d\d|1\.\d\d) per employee-month \(95% interval/);
  });
});

describe('courseVerdict with few trained employees', () => {
  const ra = (nTreated: number) => ({ method: 'regression_adjustment', estimand: 'ATT', estimate: -2900, se: 1300, ci: [-5450, -350] as [number, number], nTreated, nControl: 233, diagnostics: {}, course: 'C5' });
  it('says an interval from fewer than 20 trained is likely too narrow, and keeps quiet otherwise', () => {
    expect(courseVerdict('C5', [ra(8)], null).reason).toMatch(/Only 8 trained employees stand behind it: with so few, the interval is likely too narrow, so treat this as a hint, not a finding\.$/);
    expect(courseVerdict('C5', [ra(300)], null).reason).not.toMatch(/trained employees stand behind it/);
  });
  it('writes negative numbers with a minus sign and names the method in words, as the report’s tables do', () => {
    const v = courseVerdict('C5', [ra(300)], null);
    expect(v.reason).toBe('Harmful: −2,900 per employee-month (95% interval −5,450 to −350, by regression adjustment); the course lowered the outcome.');
    expect(v.recommended?.method).toBe('regression_adjustment');
  });
});

describe('courseVerdict when AIPW weights are extreme and regression adjustment extrapolates', () => {
  // The sample company's remedial course: a threshold on recent results sends people on it, so AIPW's weighted controls
  // are worth 2 employees; the plain DiD fails its pre-period test and the one reported is conditioned on pre-period results.
  const est = (method: string, estimate: number, ci: [number, number], diagnostics: Record<string, unknown> = {}) => ({
    method, estimand: 'ATT', estimate, se: (ci[1] - ci[0]) / (2 * 1.959964), ci, nTreated: 546, nControl: 1200, diagnostics, course: 'C02',
  });
  const ra = est('regression_adjustment', 742, [455, 1029]);
  const aipw = est('aipw', 1500, [-900, 3900], { effectiveControls: 2 });
  const did = est('did_staggered', 509, [109, 910], { laggedOutcomes: [3, 9] });
  const preTrend = { course: 'C02', flags: [{ kind: 'pre-trends present' as const, reason: 'before training, the trained were already drifting away' }], summary: '' };

  it('stands on one estimate whose interval spans the regression and the conditioned DiD, centred between them', () => {
    const v = courseVerdict('C02', [ra, aipw, did], preTrend);
    expect(v.verdict).toBe('effective');
    expect(v.recommended!.method).toBe(BRACKETED);
    expect(v.recommended!.ci).toEqual([109, 1029]);
    expect(v.recommended!.estimate).toBe(569);
    // the SE that an ROI draws from spreads as wide as the interval
    expect(v.recommended!.se * 1.959964).toBeCloseTo(460, 3);
    expect(v.recommended!.nTreated).toBe(546);
    expect(v.reason).toMatch(/^Effective: 569 per employee-month \(95% interval 109 to 1,029, spanning regression adjustment and the staggered DiD\)/);
    expect(v.reason).toMatch(/the estimate is the midpoint between regression adjustment \(742, 455 to 1,029\) and the staggered DiD \(509, 109 to 910\)/i);
    expect(v.reason).not.toMatch(/left out of this verdict/);
  });

  it('brackets a DiD that passed its pre-period test too; an interval reaching zero is no detectable effect', () => {
    const low = est('did_staggered', 200, [-150, 550]);
    const v = courseVerdict('C02', [ra, aipw, low], null);
    expect(v.recommended!.ci).toEqual([-150, 1029]);
    expect(v.verdict).toBe('no detectable effect');
  });

  it('says the methods disagree when the two exclude zero on opposite sides', () => {
    const v = courseVerdict('C02', [ra, aipw, est('did_staggered', -400, [-700, -100])], null);
    expect(v.verdict).toBe('methods disagree');
    expect(v.recommended!.method).toBe(BRACKETED);
    expect(v.reason).toMatch(/^Methods disagree: regression adjustment and the staggered DiD exclude zero on opposite sides/);
  });

  it('keeps the regression alone, with its warning, when no DiD can vouch: none, a plain one that failed its test, or one that could not be tested', () => {
    const plainFailed = est('did_staggered', 509, [109, 910]);
    const untested = { course: 'C02', flags: [{ kind: 'pre-period untested' as const, reason: 'the trained have no month before completion' }], summary: '' };
    for (const [estimates, panel] of [
      [[ra, aipw], null],
      [[ra, aipw, plainFailed], preTrend],
      [[ra, aipw, did], untested],
    ] as const) {
      const v = courseVerdict('C02', [...estimates], panel);
      expect(v.recommended!.method).toBe('regression_adjustment');
      expect(v.recommended!.ci).toEqual([455, 1029]);
      expect(v.reason).toMatch(/the regression estimate too leans on its model/);
    }
  });

  it('leaves a course whose AIPW weights are fine as it was', () => {
    const v = courseVerdict('C02', [ra, est('aipw', 800, [400, 1200], { effectiveControls: 400 }), did], preTrend);
    expect(v.recommended!.method).toBe('regression_adjustment');
    expect(v.reason).toMatch(/left out of this verdict/);
  });
});
