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
