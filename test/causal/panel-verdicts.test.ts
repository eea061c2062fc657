import { describe, expect, it } from 'vitest';
import { panelVerdict, windowCoverage } from '../../src/causal/panel-verdicts';
import { didStaggered } from '../../src/causal/staggered';
import { createRng } from '../../src/stats/rng';
import type { PanelInput } from '../../src/causal/panel-input';

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
    expect(v.flags[0].reason).toMatch(/0% of the 30 trained .* in 4 more months/);
  });
  it('pre-trends present when the trained were diverging before', () => {
    const input = panel(200, 12, (u) => (u < 100 ? 7 : 0), 0.3);
    const v = panelVerdict('C2', { input, staggered: didStaggered(input, { window: [1, 3] }), window: [1, 3] });
    expect(v.flags.map((f) => f.kind)).toEqual(['pre-trends present']);
  });
  it('no flag on a clean panel, and the summary gives the estimate', () => {
    const input = panel(200, 12, (u) => (u < 100 ? 5 : 0));
    const v = panelVerdict('C3', { input, staggered: didStaggered(input, { window: [1, 3] }), window: [1, 3] });
    expect(v.flags).toEqual([]);
    expect(v.summary).toMatch(/C3: the staggered DiD estimate over months 1–3 is (0\.9\d\d|1\.\d\d) per employee-month \(95% interval/);
  });
});
