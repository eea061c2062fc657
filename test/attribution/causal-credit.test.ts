import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causalCredit, type CausalCreditResult } from '../../src/attribution/causal-credit';
import { journeysFromPanel } from '../../src/attribution/journeys';
import { attribute } from '../../src/attribution/attribute';
import { shapleyValues } from '../../src/attribution/shapley';
import { writeSynth, type Truth } from '../../src/data/synth';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';

describe('the closed-form Shapley split used by causal credit', () => {
  it('additive plus pairwise game: φ_k = β_k + ½ Σ_l γ_kl', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (beta, gamma) => {
          const pairs = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
          const v = (m: Uint8Array) => beta.reduce((s, b, k) => s + m[k] * b, 0) + pairs.reduce((s, [k, l], q) => s + m[k] * m[l] * gamma[q], 0);
          const phi = shapleyValues(4, v).values;
          for (let k = 0; k < 4; k++) {
            const closed = beta[k] + 0.5 * pairs.reduce((s, [a, b], q) => s + (a === k || b === k ? gamma[q] : 0), 0);
            expect(phi[k]).toBeCloseTo(closed, 9);
          }
        },
      ),
    );
  });
});

describe('causal credit on the synthetic company (seed 7)', () => {
  let panel: Panel;
  let truth: Truth;
  let res: CausalCreditResult;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainlift-causal-credit-'));
    truth = await writeSynth(dir, { seed: 7 });
    panel = buildPanel(await loadStudy(dir));
    res = causalCredit(panel, { metric: 'revenue', seed: 3, draws: 200 });
  }, 120000);

  const covered = (c: string) => {
    const t = truth.effects[c].revenue;
    const trueTotal = t.att * t.treatedMonths;
    expect(res.treatedMonths[c], c).toBe(t.treatedMonths);
    const [lo, hi] = res.intervals[c];
    expect(trueTotal, `${c}: truth ${trueTotal.toFixed(0)} vs [${lo.toFixed(0)}, ${hi.toFixed(0)}]`).toBeGreaterThanOrEqual(lo);
    expect(trueTotal, c).toBeLessThanOrEqual(hi);
  };
  it('recovers every course’s true incremental revenue within its 95% interval, but the remedial one', () => {
    for (const c of panel.courses) if (c !== 'C02') covered(c);
  });
  // Known limit (see causalCredit's doc): the slope on the six months before completion does not absorb all of C02's
  // regression to the mean after a bad quarter; on seed 7 it credits C02 with 2.2–5.5 M against a true 1.2 M.
  it.fails('C02 (assigned after a bad quarter): the true incremental revenue lies in the interval (known miss)', () => {
    covered('C02');
  });
  it('gives the popular zero-effect course (C03) no credit beyond noise', () => {
    expect(truth.effects.C03.revenue.att).toBe(0);
    const [lo, hi] = res.intervals.C03;
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);
    expect(Math.abs(res.credit.C03)).toBeLessThan(0.05);
  });
  it('last touch and Shapley on journeys visibly over-credit C03, finished before Q4', () => {
    const j = journeysFromPanel(panel, { metric: 'revenue' });
    const last = attribute(j.counts, 'last_touch');
    const shap = attribute(j.counts, 'shapley');
    const trueTotal = panel.courses.reduce((s, c) => s + truth.effects[c].revenue.att * truth.effects[c].revenue.treatedMonths, 0);
    expect(trueTotal).toBeGreaterThan(0);
    expect(last.credit.C03).toBeGreaterThan(0.15);
    expect(shap.credit.C03).toBeGreaterThan(0.15);
    expect(last.credit.C03 - res.credit.C03).toBeGreaterThan(0.1);
  });
  it('shares sum to 1, the total lies in its interval, and the same seed gives the same numbers', () => {
    expect(Object.values(res.credit).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(res.total.incremental).toBeGreaterThan(res.total.interval[0]);
    expect(res.total.incremental).toBeLessThan(res.total.interval[1]);
    const again = causalCredit(panel, { metric: 'revenue', seed: 3, draws: 200 });
    expect(again.intervals).toEqual(res.intervals);
    expect(again.incremental).toEqual(res.incremental);
  }, 60000);
  it('bad arguments are named', () => {
    expect(() => causalCredit(panel, { metric: 'profit' })).toThrow(/no metric `profit`/);
    expect(() => causalCredit(panel, { metric: 'revenue', draws: 3 })).toThrow(/`draws` must be an integer >= 10, got 3/);
    expect(() => causalCredit(panel, { metric: 'revenue', window: [5, 2] })).toThrow(/`window` must be integers/);
  });
});

describe('causal credit and the order of employees', () => {
  // Employee ids decide the panel's order; renaming them in reverse must not change a number. (The
  // pre-run of an employee who completed a course in the first months of the data once read
  // months before the data as the previous employee's last months.)
  it('gives the same credit when the employee ids are renamed in reverse order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainlift-causal-order-'));
    await writeSynth(dir, { employees: 300, months: 24, seed: 5, courses: 8 });
    const renamed = mkdtempSync(join(tmpdir(), 'trainlift-causal-order-renamed-'));
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      writeFileSync(join(renamed, f), f.endsWith('.csv') ? text.replace(/\bE(\d{5})\b/g, (_, d: string) => `E${String(99999 - Number(d)).padStart(5, '0')}`) : text);
    }
    const a = buildPanel(await loadStudy(dir));
    const b = buildPanel(await loadStudy(renamed));
    expect(b.employees[0]).not.toBe(a.employees[0]);
    // Some completions fall in the data's first months, where the bug was.
    expect(a.firstCompletion.some((g) => g.some((t) => t >= 0 && t < 6))).toBe(true);
    const opts = { metric: 'revenue', seed: 3, draws: 20 };
    const ra = causalCredit(a, opts);
    const rb = causalCredit(b, opts);
    for (const c of a.courses) expect(Math.abs(rb.incremental[c] - ra.incremental[c]), c).toBeLessThan(1e-8 * Math.abs(ra.total.incremental));
  }, 60000);
});
