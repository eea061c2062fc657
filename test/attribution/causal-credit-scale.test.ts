import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causalCredit, causalCreditWith, sparseFitter, type CreditProblem, type SparseColumn } from '../../src/attribution/causal-credit';
import { createRng } from '../../src/stats/rng';
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

describe('sparseFitter against the dense core, one step at a time', () => {
  // Two role × region groups over 6 months. In group 1 the employees split into two sets with no month in
  // common when `apart` (the exact solve refuses it, alternating projections take over, and the scores come
  // from a second demeaning pass); otherwise every group is solved exactly and the scores come from the
  // month effects.
  function problem(apart: boolean): { p: CreditProblem; cols: SparseColumn[] } {
    const rng = createRng(apart ? 31 : 32);
    const unit: number[] = [], group: number[] = [], month: number[] = [];
    for (let u = 0; u < 12; u++) {
      const g = u < 6 ? 0 : 1;
      for (let t = 0; t < 6; t++) {
        if (g === 1 && apart && (u < 9 ? t >= 3 : t < 3)) continue;
        if (g === 0 && rng.uniform() < 0.15) continue;
        unit.push(u);
        group.push(g);
        month.push(t);
      }
    }
    const n = unit.length;
    const sparse = (share: number): SparseColumn => {
      const rows: number[] = [], values: number[] = [];
      for (let i = 0; i < n; i++) if (rng.uniform() < share) (rows.push(i), values.push(1 + rng.int(3)));
      return { rows: Int32Array.from(rows), values: Float64Array.from(values) };
    };
    const p: CreditProblem = {
      n,
      unit: Int32Array.from(unit),
      nUnits: 12,
      group: Int32Array.from(group),
      month: Int32Array.from(month),
      nMonths: 6,
      y: Float64Array.from({ length: n }, (_, i) => 100 + 10 * unit[i] + 3 * month[i] + rng.normal()),
      nuisance: [sparse(0.3), sparse(0.3)],
    };
    return { p, cols: [sparse(0.3), sparse(0.4), sparse(0.25)] };
  }
  for (const apart of [false, true]) {
    it(apart ? 'when a group falls apart (second pass)' : 'when every group is solved exactly (month effects)', () => {
      const { p, cols } = problem(apart);
      const fast = sparseFitter(p);
      const dense = denseFitter(p);
      const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
        const scale = Math.max(1, ...Array.from(b, Math.abs));
        for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i]), `${what}[${i}]`).toBeLessThan(1e-7 * scale);
      };
      close(fast.netOutcome(), dense.netOutcome(), 'net outcome');
      const f = fast.normalEquations(cols);
      const d = dense.normalEquations(cols);
      close(f.G, d.G, 'G');
      close(f.b, d.b, 'b');
      const coef = Float64Array.of(0.7, -1.2, 2.5);
      close(fast.scores(coef), dense.scores(coef), 'scores');
    });
  }
});
