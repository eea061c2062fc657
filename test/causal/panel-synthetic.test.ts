import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSynth, type Truth } from '../../src/data/synth';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { coursePanelInput } from '../../src/causal/panel-input';
import { didStaggered } from '../../src/causal/staggered';
import { didTwfe } from '../../src/causal/twfe';
import { beforeAfter } from '../../src/causal/before-after';
import { panelVerdict } from '../../src/causal/panel-verdicts';

// The synthetic company (seed 7): C04 is rolled out in regional waves with an effect that grows for six months.
describe('panel estimators on the synthetic company', () => {
  let panel: Panel;
  let truth: Truth;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-panel-'));
    truth = await writeSynth(dir, { seed: 7 });
    panel = buildPanel(await loadStudy(dir));
  });
  it('did_staggered covers the true window ATT of the wave-rolled course with the growing effect; did_twfe misses it', () => {
    const input = coursePanelInput(panel, 'C04', 'revenue');
    const att = truth.effects.C04.revenue.att;
    // As the study runs it: within region (the waves meet regional market shocks) and conditional on the pre-period.
    const adjusted = coursePanelInput(panel, 'C04', 'revenue', { covariates: ['role', 'level', 'region', 'manager_rating'] });
    const s = didStaggered(adjusted, { window: [1, 12], laggedOutcomes: [3, 9], covariates: true }).aggregates.window;
    expect(s.ci[0]).toBeLessThan(att);
    expect(s.ci[1]).toBeGreaterThan(att);
    const t = didTwfe(input);
    expect(t.ci[1]).toBeLessThan(att); // TWFE's whole interval lies below the truth
    expect(t.estimate).toBeLessThan(0.7 * att);
    expect(t.bacon!.forbiddenWeight).toBeGreaterThan(0.15);
  });
  it('the learning curve rises: later event times exceed the first month after completion', () => {
    const path = didStaggered(coursePanelInput(panel, 'C04', 'revenue'), { window: [1, 12] }).eventStudy;
    const at = (e: number) => path.find((p) => p.e === e)!.estimate;
    expect(at(10)).toBeGreaterThan(at(1) + 1000);
  });
  it('the zero-effect course: did_staggered covers 0 while before-after reports a large "effect" (season and growth)', () => {
    const input = coursePanelInput(panel, 'C03', 'revenue');
    expect(truth.effects.C03.revenue.att).toBe(0);
    const s = didStaggered(input, { window: [1, 12] }).aggregates.window;
    expect(s.ci[0]).toBeLessThan(0);
    expect(s.ci[1]).toBeGreaterThan(0);
    const ba = beforeAfter(input, { window: [1, 12] });
    expect(ba.ci[0]).toBeGreaterThan(1000);
  });
  it('the recent launch: the window is only partly observed and the warning says so', () => {
    const r = didStaggered(coursePanelInput(panel, 'C06', 'revenue'), { window: [1, 12] });
    expect(r.warnings.join('\n')).toMatch(/reaches beyond the data/);
  });
  it('verdicts: TWFE unreliable on C04, too early on C06, pre-trends on the self-selected C01, none on C03', () => {
    const kinds = (course: string) => {
      const input = coursePanelInput(panel, course, 'revenue');
      return panelVerdict(course, { input, staggered: didStaggered(input), twfe: didTwfe(input), window: [1, 12] }).flags.map((f) => f.kind);
    };
    expect(kinds('C04')).toEqual(['TWFE unreliable here']);
    expect(kinds('C06')).toContain('too early to judge');
    expect(kinds('C01')).toContain('pre-trends present');
    expect(kinds('C03')).toEqual([]);
  });
});

describe('coursePanelStudy on the synthetic company', () => {
  it('returns the three panel estimates with the course, the event study with truth, and the verdict', async () => {
    const { coursePanelStudy } = await import('../../src/causal/panel-verdicts');
    const dir = mkdtempSync(join(tmpdir(), 'tl-panel-'));
    const truth = await writeSynth(dir, { seed: 7 });
    const panel = buildPanel(await loadStudy(dir));
    const r = coursePanelStudy(panel, 'C04', 'revenue', { window: [1, 12], seed: 3, draws: 199, truthPath: truth.effects.C04.revenue.path });
    expect(r.estimates.map((e) => [e.method, e.course, e.estimand])).toEqual([
      ['before_after', 'C04', 'ATT'],
      ['did_twfe', 'C04', 'ATT'],
      ['did_staggered', 'C04', 'ATT'],
    ]);
    expect(r.eventStudy!.path[0].e).toBe(-6);
    expect(r.eventStudy!.path.find((p) => p.e === 6)!.truth).toBeCloseTo(truth.effects.C04.revenue.path['6'], 6);
    expect(r.verdict.flags.map((f) => f.kind)).toEqual(['TWFE unreliable here']);
    const early = coursePanelStudy(panel, 'C06', 'revenue', { window: [1, 12] });
    expect(early.verdict.flags.map((f) => f.kind)).toContain('too early to judge');
  });
});
