import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { coursePanelInput, densePanel, isSharedPanelArray, type PanelInput } from '../../src/causal/panel-input';
import { didStaggered } from '../../src/causal/staggered';
import { didTwfe } from '../../src/causal/twfe';

// A private copy of an input: nothing shared with other courses, so every cache is missed.
const copy = (x: PanelInput): PanelInput => ({
  unit: Int32Array.from(x.unit),
  time: Int32Array.from(x.time),
  group: Int32Array.from(x.group),
  y: Float64Array.from(x.y),
  covariates: x.covariates?.map((c) => ({ name: c.name, values: Float64Array.from(c.values) })),
});

describe('coursePanelInput: the rows every course of a metric shares', () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });
  it('hands every course the same unit, time, outcome and covariate arrays, with a group of its own', () => {
    const a = coursePanelInput(panel, 'C01', 'revenue', { covariates: ['role', 'level'] });
    const b = coursePanelInput(panel, 'C04', 'revenue', { covariates: ['role', 'level'] });
    expect(b.unit).toBe(a.unit);
    expect(b.time).toBe(a.time);
    expect(b.y).toBe(a.y);
    expect(b.covariates![0].values).toBe(a.covariates![0].values);
    expect(b.group).not.toBe(a.group);
    expect(isSharedPanelArray(a.y)).toBe(true);
    expect(isSharedPanelArray(copy(a).y)).toBe(false);
    // another metric has rows of its own
    expect(coursePanelInput(panel, 'C01', 'close_rate').y).not.toBe(a.y);
  });
  it('gives each course the estimates a private copy of its rows gives (the dense panel is rebuilt per group)', () => {
    const opts = { window: [1, 12] as [number, number], laggedOutcomes: [3, 9], covariates: true, cells: 'window' as const };
    for (const course of ['C01', 'C04', 'C02']) {
      const shared = coursePanelInput(panel, course, 'revenue', { covariates: ['role', 'level', 'region'] });
      expect(densePanel(shared, 'test').unitGroup).toEqual(densePanel(copy(shared), 'test').unitGroup);
      const s = didStaggered(shared, opts).aggregates.window;
      const c = didStaggered(copy(shared), opts).aggregates.window;
      expect([s.estimate, s.se]).toEqual([c.estimate, c.se]);
      // TWFE's within transformation of the shared outcome is built once and kept: the first course and the next alike
      const plain = coursePanelInput(panel, course, 'revenue');
      const mine = didTwfe(copy(plain));
      for (let twice = 0; twice < 2; twice++) {
        const t = didTwfe(plain);
        expect([t.estimate, t.se, t.diagnostics.demeaning]).toEqual([mine.estimate, mine.se, mine.diagnostics.demeaning]);
      }
    }
  });
  it('builds the rows again when the metric changed in place', () => {
    const p = { ...panel, metrics: { ...panel.metrics, revenue: Float64Array.from(panel.metrics.revenue) } };
    const before = coursePanelInput(p, 'C04', 'revenue');
    const first = before.y[0];
    let raw = -1;
    for (let i = 0; i < p.nRows; i++) {
      if (Number.isFinite(p.metrics.revenue[i])) {
        raw = i;
        break;
      }
    }
    p.metrics.revenue[raw] = first + 1000;
    const after = coursePanelInput(p, 'C04', 'revenue');
    expect(after.y).not.toBe(before.y);
    expect(after.y[0]).toBe(first + 1000);
    expect(didTwfe(after).estimate).toBe(didTwfe(copy(after)).estimate);
  });
});
