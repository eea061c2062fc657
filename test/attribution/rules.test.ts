import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readPathFile, type PathCounts } from '../../src/attribution/paths';
import { ruleAttribution } from '../../src/attribution/rules';

const ref = JSON.parse(readFileSync('test/fixtures/path-data/heuristic.json', 'utf8')) as {
  conversions: Record<'first' | 'last' | 'linear', Record<string, number>>;
  value: Record<'first' | 'last' | 'linear', Record<string, number>>;
};

// R printed 6 significant digits: allow half a unit in the 6th digit.
const printedTol = (x: number): number => 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(x))) - 5) * (1 + 1e-9);

const counts = (paths: string[][], conv: number[], value: number[], nulls: number[]): PathCounts => ({
  paths,
  conversions: Float64Array.from(conv),
  value: Float64Array.from(value),
  nulls: Float64Array.from(nulls),
});

describe('rule-based attribution on ChannelAttribution PathData', async () => {
  const data = await readPathFile('data/channel_paths/path_data.csv', {
    path: 'path',
    conversions: 'total_conversions',
    value: 'total_conversion_value',
    nulls: 'total_null',
  });
  const models = { first: 'first_touch', last: 'last_touch', linear: 'linear' } as const;
  for (const [short, model] of Object.entries(models) as ['first' | 'last' | 'linear', (typeof models)['first']][]) {
    it(`${model} matches the reference for every channel, conversions and value`, () => {
      const res = ruleAttribution(data, model);
      const channels = Object.keys(ref.conversions[short]);
      expect(Object.keys(res.conversions).sort()).toEqual(channels.sort());
      for (const ch of channels) {
        const c = ref.conversions[short][ch];
        const v = ref.value[short][ch];
        expect(Math.abs(res.conversions[ch] - c), `${model} conversions ${ch}`).toBeLessThanOrEqual(printedTol(c));
        expect(Math.abs(res.value[ch] - v), `${model} value ${ch}`).toBeLessThanOrEqual(printedTol(v));
      }
      const shares = Object.values(res.credit).reduce((a, b) => a + b, 0);
      expect(shares).toBeCloseTo(1, 12);
      expect(res.credit.alpha).toBeCloseTo(ref.conversions[short].alpha / 19785, 6);
    });
  }
});

describe('rule-based attribution, hand-worked', () => {
  // A > B > A converts 3 times (value 30), B converts once (value 6).
  const c = counts([['A', 'B', 'A'], ['B']], [3, 1], [30, 6], [1, 4]);
  it('keeps repeats as touches', () => {
    expect(ruleAttribution(c, 'linear').conversions).toEqual({ A: 2, B: 2 });
    expect(ruleAttribution(c, 'first_touch').value).toEqual({ A: 30, B: 6 });
    expect(ruleAttribution(c, 'last_touch').conversions).toEqual({ A: 3, B: 1 });
  });
  it('position based: 40/20/40 over three touches, whole credit to a single touch', () => {
    const r = ruleAttribution(c, 'position_based');
    expect(r.conversions.A).toBeCloseTo(3 * 0.8, 12);
    expect(r.conversions.B).toBeCloseTo(3 * 0.2 + 1, 12);
    const two = ruleAttribution(counts([['A', 'B']], [1], [0], [0]), 'position_based', { first: 0.3, last: 0.5 });
    expect(two.conversions.A).toBeCloseTo(0.375, 12);
  });
  it('time decay: steps when no dates, days when given', () => {
    // Steps, half-life 1: weights 1/4, 1/2, 1 over A, B, A → A gets 5/7 of 3.
    const r = ruleAttribution(c, 'time_decay');
    expect(r.conversions.A).toBeCloseTo((3 * 5) / 7, 12);
    expect(r.notes.join(' ')).toMatch(/steps/);
    const dated: PathCounts = { ...counts([['A', 'B']], [1], [10], [0]), daysBeforeEnd: [Float64Array.of(14, 0)] };
    const d = ruleAttribution(dated, 'time_decay', { halfLifeDays: 7 });
    expect(d.conversions.A).toBeCloseTo(0.25 / 1.25, 12);
    expect(d.value.B).toBeCloseTo(10 / 1.25, 12);
  });
  it('a catalogue course that never appears gets zero credit and a note', () => {
    const r = ruleAttribution(c, 'linear', { courses: ['A', 'B', 'Z'] });
    expect(r.credit.Z).toBe(0);
    expect(r.notes.join(' ')).toMatch(/never taken.*Z/);
  });
  it('bad arguments are named', () => {
    expect(() => ruleAttribution(c, 'position_based', { first: 0.7, last: 0.5 })).toThrow(/first.*last.*<= 1/);
    expect(() => ruleAttribution(c, 'time_decay', { halfLifeSteps: 0 })).toThrow(/halfLifeSteps/);
    expect(() => ruleAttribution(counts([['A']], [0], [0], [3]), 'linear')).toThrow(/no path has a conversion/);
    expect(() => ruleAttribution(c, 'linear', { courses: ['A'] })).toThrow(/course "B" is not in the course list/);
  });
});

describe('rule-based attribution, bad counts built in code', () => {
  it('names the row and column of a negative or missing count, and an empty input', () => {
    const bad = counts([['A'], ['B']], [1, -3], [1, 1], [0, 0]);
    expect(() => ruleAttribution(bad, 'linear')).toThrow(/linear: paths row 3, column `conversions`: expected a finite number >= 0, got -3/);
    const nan = counts([['A']], [1], [1], [NaN]);
    expect(() => ruleAttribution(nan, 'first_touch')).toThrow(/column `nulls`: expected a finite number >= 0, got NaN/);
    expect(() => ruleAttribution(counts([], [], [], []), 'linear')).toThrow(/there are no paths to attribute/);
    expect(() => ruleAttribution(counts([['A', '']], [1], [1], [1]), 'linear')).toThrow(/a course id is empty/);
  });
});
