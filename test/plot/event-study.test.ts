import { describe, expect, it } from 'vitest';
import { eventStudyPlot } from '../../src/plot/event-study';

describe('eventStudyPlot', () => {
  const path = [
    { e: 1, estimate: 3, lower: 1, upper: 5 },
    { e: -1, estimate: 0.5, lower: -1, upper: 2 },
    { e: 0, estimate: 1, se: 0.5 },
  ];
  it('draws the band as a closed polygon, the estimate, and the truth with 0 before completion', () => {
    const spec = eventStudyPlot(path, { truth: { '0': 0, '1': 2.5 } });
    expect(spec.data.map((t) => t.name)).toEqual(['95% band', 'estimate', 'true effect']);
    expect(spec.data[0].x).toEqual([-1, 0, 1, 1, 0, -1]);
    expect(spec.data[0].y).toEqual([2, 1 + 1.959964 * 0.5, 5, 1, 1 - 1.959964 * 0.5, -1]);
    expect(spec.data[2].y).toEqual([0, 0, 2.5]);
    expect((spec.layout.title as { text: string }).text).toMatch(/months since completion/);
    expect((spec.layout.xaxis as { title: { text: string } }).title.text).toBe('months since completion (e)');
  });
  it('rejects an empty path', () => {
    expect(() => eventStudyPlot([])).toThrow(RangeError);
  });
});
