import { describe, expect, it, beforeAll } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { stackCourse, type StackedData } from '../../src/data/stack';
import { shiftFirstCompletion } from '../../src/causal/placebo';
import { createRng } from '../../src/stats/rng';

// stackCourse draws each cohort's control sample as it gathers the cohort's rows. These tests hold it to
// the plain way of drawing it: every row first (a stack without sampling), then per cohort in order, one
// generator, a partial Fisher–Yates shuffle of the cohort's control rows, the kept ones in their order.
function sampleByHand(all: StackedData, fc: Int32Array, perTrained: number, min: number, seed: number) {
  const rng = createRng(seed);
  const keep = new Uint8Array(all.n).fill(1);
  const factor = new Float64Array(all.n).fill(1);
  let cohorts = 0;
  let controls = 0;
  let kept = 0;
  for (let a = 0; a < all.n; ) {
    const g = all.cohort[a];
    let b = a;
    while (b < all.n && all.cohort[b] === g) b++;
    const positions: number[] = [];
    for (let r = a; r < b; r++) if (fc[all.employee[r]] !== g) positions.push(r);
    const cap = Math.max(Math.ceil(perTrained * (b - a - positions.length)), min);
    if (positions.length > cap) {
      for (const r of positions) keep[r] = 0;
      for (let i = 0; i < cap; i++) {
        const j = i + rng.int(positions.length - i);
        const r = positions[j];
        positions[j] = positions[i];
        positions[i] = r;
        keep[r] = 1;
        factor[r] = positions.length / cap;
      }
      cohorts++;
      controls += positions.length;
      kept += cap;
    }
    a = b;
  }
  const rows = [...keep.keys()].filter((r) => keep[r] === 1);
  return { rows, factor, cohorts, controls, kept };
}

describe('stackCourse control sampling, drawn cohort by cohort', () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = buildPanel(await loadStudy('data/sample'));
  });
  it('keeps the rows, weights and covariates of sampling every row first', () => {
    let sampledSomewhere = false;
    for (const course of panel.courses) {
      for (const [p, window] of [[panel, undefined], [shiftFirstCompletion(panel, course, 6), [1, 5] as [number, number]]] as const) {
        const all = stackCourse(p, course, 'revenue', { window });
        const sampled = stackCourse(p, course, 'revenue', { window, controls: { perTrained: 3, min: 40, seed: 7 } });
        const fc = p.firstCompletion[p.courses.indexOf(course)];
        const hand = sampleByHand(all, fc, 3, 40, 7);
        if (hand.cohorts > 0) sampledSomewhere = true;
        expect(sampled.n).toBe(hand.rows.length);
        expect(sampled.controlSample).toEqual({ perTrained: 3, min: 40, seed: 7, cohorts: hand.cohorts, controls: hand.controls, kept: hand.kept });
        expect(sampled.dropped).toEqual(all.dropped);
        expect(Array.from(sampled.cohort)).toEqual(hand.rows.map((r) => all.cohort[r]));
        expect(Array.from(sampled.employee)).toEqual(hand.rows.map((r) => all.employee[r]));
        expect(Array.from(sampled.yPost)).toEqual(hand.rows.map((r) => all.yPost[r]));
        expect(Array.from(sampled.weight)).toEqual(hand.rows.map((r) => all.weight[r] * hand.factor[r]));
        for (const name of sampled.covariates.names) {
          const col = all.covariates.columns[name];
          expect(Array.from(sampled.covariates.columns[name] as ArrayLike<number | string>), name).toEqual(hand.rows.map((r) => col[r]));
        }
      }
    }
    expect(sampledSomewhere).toBe(true);
  });
});
