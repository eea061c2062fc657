import { describe, expect, it } from 'vitest';
import { compareModels } from '../../src/compare/compare-models';
import type { Estimate } from '../../src/core/estimate';

function e(method: string, estimate: number, se = 10, diagnostics: Record<string, unknown> = {}): Estimate {
  return { method, estimand: 'ATT', estimate, se, ci: [estimate - 1.96 * se, estimate + 1.96 * se], nTreated: 100, nControl: 400, diagnostics };
}

describe('compareModels', () => {
  it('tabulates bias and coverage against the truth', () => {
    const c = compareModels([e('naive_difference', 300), e('aipw', 110), e('ipw', 95)], { truth: 100 });
    expect(c.rows.map((r) => r.bias)).toEqual([200, 10, -5]);
    expect(c.rows.map((r) => r.covers)).toEqual([false, true, true]);
    expect(c.reading.at(-1)).toMatch(/doubly robust AIPW, inverse-probability weighting cover it; the naive trained-vs-untrained difference misses it/);
  });

  it('says robust methods agree and the naive one stands apart', () => {
    const c = compareModels([e('naive_difference', 300), e('before_after', 180), e('regression_adjustment', 105), e('psm_nearest', 98), e('ipw', 102), e('aipw', 100)]);
    const text = c.reading.join('\n');
    expect(text).toMatch(/selection-robust methods .* agree: their estimates run from 98 to 105/);
    expect(text).toMatch(/The naive trained-vs-untrained difference \(300\) stands apart .*overstating by about 199.*selection/);
    expect(text).toMatch(/before-after comparison \(180\) stands apart/);
  });

  it('says when robust methods do not agree', () => {
    const c = compareModels([e('regression_adjustment', 100, 5), e('aipw', 200, 5)]);
    expect(c.reading[0]).toMatch(/do not agree/);
  });

  it('explains an AIPW vs DiD disagreement with both assumptions and the pre-trend test', () => {
    const c = compareModels([e('aipw', 200, 10), e('did_staggered', 100, 10, { preTrend: { statistic: 30, df: 5, pValue: 0.0001 } })]);
    const text = c.reading.join('\n');
    expect(text).toMatch(/disagree by 100/);
    expect(text).toMatch(/no unmeasured confounders/);
    expect(text).toMatch(/parallel trends/);
    expect(text).toMatch(/pre-trend test rejects/);
  });

  it('calls AIPW and DiD in agreement when within their uncertainty', () => {
    const c = compareModels([e('aipw', 105, 10), e('did_staggered', 100, 10)]);
    expect(c.reading.join('\n')).toMatch(/agree within their uncertainty/);
  });

  it('rejects a mix of courses', () => {
    expect(() => compareModels([{ ...e('aipw', 1), course: 'A' }, { ...e('ipw', 1), course: 'B' }])).toThrow(/one course/);
  });
});

describe('compareModels with a very wide robust interval', () => {
  it('still sees a naive estimate outside the robust range', () => {
    // robust points 100..140 with SEs 10, 10, 400: margin = 1.96 × median SE 10 = 19.6 → band [80.4, 159.6]; before-after 200 is outside.
    const c = compareModels([e('before_after', 200), e('regression_adjustment', 100), e('aipw', 140), e('ipw', 120, 400)]);
    expect(c.reading.join('\n')).toMatch(/before-after comparison \(200\) stands apart/);
    const inside = compareModels([e('before_after', 150), e('regression_adjustment', 100), e('aipw', 140), e('ipw', 120, 400)]);
    expect(inside.reading.join('\n')).toMatch(/before-after comparison \(150\) happens to fall within reach/);
  });
});
