import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { didTwfe } from '../../src/causal/twfe';
import { bacon } from '../../src/causal/bacon';
import type { PanelInput } from '../../src/causal/panel-input';
import { EstimationError } from '../../src/core/errors';
import { loadMpdta } from './mpdta-input';

const ref = JSON.parse(readFileSync('test/fixtures/mpdta/mpdta_reference.json', 'utf8'));

describe('didTwfe on mpdta', () => {
  let input: PanelInput;
  beforeAll(async () => {
    input = await loadMpdta();
  });
  it('reproduces the statsmodels coefficient and clustered SE (dummies factor)', () => {
    const r = didTwfe(input);
    expect(Math.abs(r.estimate - ref.twfe.statsmodelsEstimate)).toBeLessThan(1e-10);
    expect(Math.abs(r.se - ref.twfe.statsmodelsSe) / ref.twfe.statsmodelsSe).toBeLessThan(1e-8);
    expect(Math.abs(r.estimate - ref.twfe.estimate)).toBeLessThan(1e-6);
    expect(r.nTreated).toBe(191);
    expect(r.nControl).toBe(309);
  });
  it('the clusters-only factor is smaller by sqrt((N-K)/(N-1))', () => {
    const a = didTwfe(input, { decompose: false });
    const b = didTwfe(input, { decompose: false, smallSample: 'clusters' });
    expect(b.se / a.se).toBeCloseTo(Math.sqrt((2500 - 505) / 2499), 10);
  });
  it('Goodman-Bacon: every comparison matches the pandas fixture and the weighted sum is TWFE', () => {
    const b = bacon(input);
    expect(b.balanced).toBe(true);
    expect(b.comparisons).toHaveLength(ref.bacon.length);
    for (const c of ref.bacon) {
      const mine = b.comparisons.find((x) => x.type === c.type && x.treated === c.treated && x.control === c.control)!;
      expect(Math.abs(mine.weight - c.weight)).toBeLessThan(1e-10);
      expect(Math.abs(mine.estimate - c.estimate)).toBeLessThan(1e-10);
    }
    expect(Math.abs(b.weightedSum - ref.twfe.statsmodelsEstimate)).toBeLessThan(1e-10);
    const forbidden = ref.bacon.filter((c: { type: string }) => c.type.startsWith('later')).reduce((s: number, c: { weight: number }) => s + c.weight, 0);
    expect(Math.abs(b.forbiddenWeight - forbidden)).toBeLessThan(1e-12);
  });
});

describe('didTwfe on unbalanced and degenerate panels', () => {
  it('demeans an unbalanced panel to the dummy-regression answer (hand-made panel)', () => {
    // 4 units x 4 periods with two rows dropped; truth from the normal equations with dummies (numpy lstsq, see below).
    const unit = Int32Array.of(1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4);
    const time = Int32Array.of(1, 2, 3, 4, 1, 2, 4, 1, 2, 3, 4, 2, 3, 4);
    const group = Int32Array.of(3, 3, 3, 3, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0);
    const y = Float64Array.of(1.0, 2.5, 5.1, 6.0, 0.3, 2.9, 4.1, 0.2, 1.1, 1.9, 3.2, 2.2, 2.8, 4.1);
    const r = didTwfe({ unit, time, group, y }, { decompose: false });
    // numpy: lstsq([D, unit dummies, period dummies 2..4], y)[0][0]
    expect(r.estimate).toBeCloseTo(1.6971830985915495, 9);
  });
  it('refuses a panel where treatment never varies', () => {
    const unit = Int32Array.of(1, 1, 2, 2);
    const time = Int32Array.of(1, 2, 1, 2);
    expect(() => didTwfe({ unit, time, group: Int32Array.of(0, 0, 0, 0), y: Float64Array.of(1, 2, 3, 4) })).toThrow(EstimationError);
  });
});
