import { describe, expect, it } from 'vitest';
import { classifyMetric, kirkpatrickInputFromPanel, kirkpatrickLevels } from '../../src/roi/kirkpatrick';

describe('kirkpatrickLevels', () => {
  it('supports all five levels when the data has them', () => {
    const lv = kirkpatrickLevels({ completions: 120, enrolments: 150, scored: 80, metrics: ['revenue', 'calls_made'], hasEffectEstimate: true, hasCosts: true });
    expect(lv.map((l) => l.supported)).toEqual([true, true, true, true, true]);
    expect(lv[0].evidence).toMatch(/80 % of 150 enrolments/);
    expect(lv[2].evidence).toMatch(/calls_made/);
    expect(lv[3].evidence).toMatch(/revenue/);
  });
  it('says what is missing', () => {
    const lv = kirkpatrickLevels({ completions: 10, metrics: ['revenue'] });
    expect(lv.map((l) => l.supported)).toEqual([true, false, false, true, false]);
    expect(lv[1].evidence).toMatch(/no assessment scores/);
    expect(lv[4].evidence).toMatch(/no costs/);
  });
  it("names the study's outcome as isolated and the other result metrics as not studied", () => {
    const base = { completions: 4949, enrolments: 5319, scored: 3259, metrics: ['revenue', 'deals_won', 'calls_made', 'close_rate'], hasEffectEstimate: true, hasCosts: true };
    const lv = kirkpatrickLevels({ ...base, studied: ['deals_won'] });
    expect(lv[0].evidence).toBe('4,949 completions (93 % of 5,319 enrolments); no satisfaction survey, so completion stands in for reaction');
    expect(lv[1].evidence).toBe('3,259 completions carry an assessment score');
    expect(lv[3].evidence).toBe('result metrics: deals_won, isolated by the causal estimates; also in outcomes.csv, not studied here: revenue, close_rate');
    expect(lv.map((l) => l.supported)).toEqual([true, true, true, true, true]);
    // A study of a behaviour metric isolates no result: levels 4 and 5 are not supported by it.
    const behaviour = kirkpatrickLevels({ ...base, studied: ['calls_made'] });
    expect(behaviour[3]).toMatchObject({ supported: false, evidence: 'result metrics in outcomes.csv: revenue, deals_won, close_rate, none of them an outcome of this study' });
    expect(behaviour[4].supported).toBe(false);
    // Without the study's outcomes every result metric is taken as isolated, as before.
    expect(kirkpatrickLevels(base)[3].evidence).toBe('result metrics: revenue, deals_won, close_rate, isolated by the causal estimates');
  });
  it('classifies metric names', () => {
    expect(classifyMetric('calls_made')).toBe('behaviour');
    expect(classifyMetric('deals_won')).toBe('result');
    expect(classifyMetric('close_rate')).toBe('result');
    expect(classifyMetric('widgets')).toBe('result');
  });
});

describe('kirkpatrickInputFromPanel', () => {
  it('counts completions, enrolments and scores', () => {
    const k = kirkpatrickInputFromPanel(
      {
        completions: { employee: Int32Array.of(0, 1, 1), course: Int32Array.of(0, 0, 1), period: Int32Array.of(1, 2, 3), day: Int32Array.of(1, 2, 3) },
        dropouts: { employee: Int32Array.of(2), course: Int32Array.of(0) },
        firstScore: [Float64Array.of(80, NaN, NaN), Float64Array.of(NaN, 70, NaN)],
        metricNames: ['revenue'],
      },
      { hasCosts: true },
    );
    expect(k).toEqual({ completions: 3, enrolments: 4, scored: 2, metrics: ['revenue'], hasEffectEstimate: undefined, hasCosts: true });
  });
});
