import { describe, expect, it } from 'vitest';
import { attByWindow, learningCurve, toEventStudyEntry, type EventStudyPoint } from '../../src/causal/event-study';
import { didStaggered } from '../../src/causal/staggered';

const pt = (e: number, estimate: number, se = 10): EventStudyPoint => ({ e, estimate, se, lower: estimate - 2 * se, upper: estimate + 2 * se });

describe('learningCurve', () => {
  it('tells a build-up, a fade, an immediate effect and no effect apart', () => {
    expect(learningCurve([1, 2, 3, 4, 5, 6].map((e) => pt(e, 100 * e))).shape).toBe('ramps up');
    expect(learningCurve([1, 2, 3, 4, 5, 6].map((e) => pt(e, 100 * 0.5 ** e))).shape).toBe('fades');
    expect(learningCurve([1, 2, 3, 4].map((e) => pt(e, 300))).shape).toBe('immediate');
    expect(learningCurve([1, 2, 3].map((e) => pt(e, 5, 10))).shape).toBe('no clear effect');
    expect(learningCurve([1, 2, 3, 4, 5, 6, 7, 8].map((e) => pt(e, e <= 4 ? 100 * e : 100 * (9 - e) - 300))).shape).toBe('ramps up then fades');
  });
  it('reports the peak and the month half of it is reached', () => {
    const c = learningCurve([pt(-1, 0), pt(0, 0), ...[1, 2, 3, 4, 5, 6].map((e) => pt(e, 100 * e))]);
    expect(c.peakE).toBe(6);
    expect(c.peak).toBe(600);
    expect(c.halfPeakE).toBe(3);
    expect(c.summary).toMatch(/builds up/);
  });
});

describe('toEventStudyEntry and attByWindow', () => {
  const unit = Int32Array.of(1, 1, 1, 2, 2, 2, 3, 3, 3);
  const time = Int32Array.of(1, 2, 3, 1, 2, 3, 1, 2, 3);
  const group = Int32Array.of(2, 2, 2, 3, 3, 3, 0, 0, 0);
  const y = Float64Array.of(0, 3, 5, 0, 1, 6, 0, 1, 2);
  it('carries the path, the band and the truth (0 before completion)', () => {
    const r = didStaggered({ unit, time, group, y }, { window: [0, 1] });
    const entry = toEventStudyEntry('C09', r, { '0': 0, '1': 2.5 });
    expect(entry.course).toBe('C09');
    expect(entry.method).toBe('did_staggered');
    expect(entry.path.map((p) => p.e)).toEqual([-1, 0, 1]);
    expect(entry.path.map((p) => p.truth)).toEqual([0, 0, 2.5]);
    expect(entry.path[2].estimate).toBe(r.eventStudy[2].estimate);
  });
  it('judges the same course at several windows', () => {
    const w = attByWindow({ unit, time, group, y }, [[0, 0], [0, 1]]);
    expect(w[0].estimate.estimate).toBeCloseTo(3, 12); // e = 0: (2 + 4) / 2
    expect(w[1].estimate.estimate).toBeCloseTo(3, 12); // adds e = 1: 3
    expect(w[0].window).toEqual([0, 0]);
  });
});
