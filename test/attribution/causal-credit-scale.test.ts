import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causalCredit, causalCreditWith } from '../../src/attribution/causal-credit';
import { writeSynth } from '../../src/data/synth';
import { loadStudy } from '../../src/data/load';
import { buildPanel } from '../../src/data/panel';
import { denseFitter } from './causal-credit-dense';

// causalCredit's fitting core works column by column (sparse course and control columns, each demeaned
// in turn, the employee × month effects solved exactly within each role × region group, the controls
// partialled out in cross-product form) so that it never holds the dense design. Its reference is the
// direct dense computation it replaced (causal-credit-dense.ts), run through the same pipeline. The two
// agree to the alternating projections' tolerance.
describe('causalCredit against the dense computation', () => {
  it('gives the same incremental outcomes, intervals, shares and interactions (to 1e-7 of the total)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainlift-causal-scale-'));
    await writeSynth(dir, { employees: 500, months: 30, seed: 11, courses: 8 });
    const panel = buildPanel(await loadStudy(dir));
    for (const opts of [{ metric: 'revenue', seed: 2, draws: 50 }, { metric: 'revenue', seed: 2, draws: 50, window: [0, 6] as [number, number], leads: 2 }]) {
      const fast = causalCredit(panel, opts);
      const dense = causalCreditWith(panel, opts, denseFitter);
      const scale = Math.abs(dense.total.incremental);
      const near = (a: number, b: number, what: string) => expect(Math.abs(a - b), what).toBeLessThan(1e-7 * scale);
      for (const c of panel.courses) {
        near(fast.incremental[c], dense.incremental[c], `${c} incremental`);
        near(fast.intervals[c][0], dense.intervals[c][0], `${c} low`);
        near(fast.intervals[c][1], dense.intervals[c][1], `${c} high`);
        expect(Math.abs(fast.credit[c] - dense.credit[c])).toBeLessThan(1e-7);
        expect(fast.treatedMonths[c]).toBe(dense.treatedMonths[c]);
      }
      expect(Object.keys(fast.interactions)).toEqual(Object.keys(dense.interactions));
      for (const [pair, v] of Object.entries(dense.interactions)) expect(Math.abs(fast.interactions[pair] - v), pair).toBeLessThan(1e-6 * Math.max(1, Math.abs(v)));
      expect(fast.notes).toEqual(dense.notes);
    }
  }, 120000);
});
