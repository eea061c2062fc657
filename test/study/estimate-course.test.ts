import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { estimateCourse } from '../../src/study/estimate-course';

describe('estimateCourse: the reported did_staggered', () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });
  it('is the comparison conditional on the pre-period and the employee attributes; the event study stays plain', () => {
    const r = estimateCourse(panel, 'C04', 'revenue', { methods: ['did_twfe', 'did_staggered'] });
    const did = r.estimates.find((e) => e.method === 'did_staggered')!;
    expect(r.conditionalStaggered).not.toBeNull();
    expect(did.estimate).toBe(r.conditionalStaggered!.aggregates.window.estimate);
    expect(did.diagnostics.laggedOutcomes).toEqual([3, 9]);
    // the plain comparison is still there for the event study and the pre-period test, and it differs
    expect(r.staggered!.aggregates.window.diagnostics.laggedOutcomes).toEqual([]);
    expect(Math.abs(r.staggered!.aggregates.window.estimate - did.estimate)).toBeGreaterThan(50);
    expect(r.panelVerdict!.flags.map((f) => f.kind)).toContain('TWFE unreliable here');
  });
  it('conditionalDid: false reports the plain comparison', () => {
    const r = estimateCourse(panel, 'C04', 'revenue', { methods: ['did_staggered'], conditionalDid: false });
    const did = r.estimates.find((e) => e.method === 'did_staggered')!;
    expect(r.conditionalStaggered).toBeNull();
    expect(did.estimate).toBe(r.staggered!.aggregates.window.estimate);
    expect(did.diagnostics.laggedOutcomes).toEqual([]);
  });
});
