import { describe, expect, it } from 'vitest';
import { baconPlot } from '../../src/plot/bacon';
import { bacon } from '../../src/causal/bacon';
import { loadMpdta } from '../causal/mpdta-input';

describe('baconPlot', () => {
  it('one trace per comparison kind plus the TWFE line at the weighted sum', async () => {
    const d = bacon(await loadMpdta());
    const spec = baconPlot(d);
    expect(spec.data).toHaveLength(4);
    expect(spec.data[2].name).toMatch(/^later vs earlier \(already treated as controls\) \(weight 5%\)/);
    expect((spec.data[3].y as number[])[0]).toBe(d.weightedSum);
    expect((spec.data[0].x as number[]).length).toBe(3);
  });
});
