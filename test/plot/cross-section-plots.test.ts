import { describe, expect, it } from 'vitest';
import { forestPlot } from '../../src/plot/forest';
import { lovePlot } from '../../src/plot/balance';
import { overlapPlot } from '../../src/plot/overlap';
import type { Estimate } from '../../src/core/estimate';
import type { BalanceRow } from '../../src/causal/balance';

const est = (method: string, estimate: number): Estimate => ({ method, estimand: 'ATT', estimate, se: 1, ci: [estimate - 2, estimate + 2], nTreated: 10, nControl: 20, diagnostics: {} });

describe('cross-section plots', () => {
  it('forestPlot: first estimate on top, asymmetric error bars, truth line, titles', () => {
    const spec = forestPlot([est('naive_difference', -5), est('ipw', 3)], { truth: 2.5, title: 'T' });
    const trace = spec.data[0] as { y: string[]; x: number[]; error_x: { array: number[] } };
    expect(trace.y).toEqual(['ipw', 'naive_difference']);
    expect(trace.x).toEqual([3, -5]);
    expect(trace.error_x.array).toEqual([2, 2]);
    expect(spec.data).toHaveLength(2);
    expect((spec.layout.title as { text: string }).text).toBe('T');
    expect(spec.layout.xaxis).toBeDefined();
  });
  it('lovePlot uses absolute SMDs before and after', () => {
    const row = { name: 'age', binary: false, smdBefore: -0.3, smdAfter: 0.05 } as BalanceRow;
    const spec = lovePlot([row]);
    expect((spec.data[0] as { x: number[] }).x).toEqual([0.3]);
    expect((spec.data[1] as { x: number[] }).x).toEqual([0.05]);
    const hidden = lovePlot([row, { ...row, name: 'cohort2024-01' }], { hide: ['cohort'] });
    expect((hidden.data[0] as { y: string[] }).y).toEqual(['age']);
  });
  it('overlapPlot splits treated and controls', () => {
    const spec = overlapPlot(Float64Array.from([0.1, 0.2, 0.8]), Float64Array.from([0, 0, 1]));
    expect((spec.data[0] as { x: number[] }).x).toEqual([0.1, 0.2]);
    expect((spec.data[1] as { x: number[] }).x).toEqual([0.8]);
  });
});
