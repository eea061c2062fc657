import { describe, expect, it } from 'vitest';
import { benefitCostPlot, roiPlot } from '../../src/plot/roi';

describe('roi plots', () => {
  const entries = [
    { course: 'C01', benefit: 240000, cost: 100000, roi: 1.4, ci: [0.22, 2.58] as [number, number] },
    { course: 'C02', benefit: 0, cost: 50000, roi: -1, ci: [-1.5, 0.4] as [number, number] },
  ];
  it('draws ROI in percent with asymmetric whiskers, titled', () => {
    const p = roiPlot(entries, { titles: { C01: 'Negotiation' } });
    const t = p.data[0] as { x: number[]; y: string[]; error_x: { array: number[]; arrayminus: number[] } };
    expect(t.x).toEqual([140, -100]);
    expect(t.y).toEqual(['Negotiation', 'C02']);
    expect(t.error_x.array[0]).toBeCloseTo(118, 9);
    expect(t.error_x.arrayminus[0]).toBeCloseTo(118, 9);
    expect(JSON.stringify(p.layout)).toMatch(/ROI, %/);
  });
  it('puts benefit beside cost', () => {
    const p = benefitCostPlot(entries, { currency: 'EUR' });
    expect((p.data[1] as { y: number[] }).y).toEqual([100000, 50000]);
    expect(JSON.stringify(p.layout)).toMatch(/EUR/);
  });
});
