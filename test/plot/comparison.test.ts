import { describe, expect, it } from 'vitest';
import { simulationPlot } from '../../src/plot/comparison';

describe('simulationPlot', () => {
  it('draws bias and coverage per scenario and method', () => {
    const base = { replications: 100, failures: 0, meanTruth: 10, meanEstimate: 10, rmse: 2, coverageMcse: 0.02, meanSe: 1, sdEstimate: 1, sdError: 1 };
    const p = simulationPlot([
      { ...base, scenario: 's1', method: 'aipw', bias: 0.1, coverage: 0.95 },
      { ...base, scenario: 's1', method: 'naive_difference', bias: 5, coverage: 0.1 },
      { ...base, scenario: 's2', method: 'aipw', bias: -0.2, coverage: 0.93 },
    ]);
    expect(p.data).toHaveLength(4);
    expect((p.data[1] as { x: number[] }).x).toEqual([95, 10]);
    expect((p.data[2] as { x: (number | null)[] }).x).toEqual([-0.2, null]);
    expect(p.layout.title).toEqual({ text: 'Simulation study: bias (±RMSE) and 95 % interval coverage' });
  });
});

describe('simulationPlot with several courses', () => {
  it('labels rows by course and method', () => {
    const base = { scenario: 's', replications: 10, failures: 0, meanTruth: 1, meanEstimate: 1, bias: 0, rmse: 1, coverage: 0.9, coverageMcse: 0.1, meanSe: 1, sdEstimate: 1, sdError: 1 };
    const p = simulationPlot([{ ...base, course: 'C01', method: 'aipw' }, { ...base, course: 'C02', method: 'aipw' }]);
    expect((p.data[0] as { y: string[] }).y).toEqual(['C01 · aipw', 'C02 · aipw']);
  });
});
