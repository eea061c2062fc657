import { describe, expect, it } from 'vitest';
import { computeRoi, courseRoiInput, describeRoi } from '../../src/roi/roi';
import type { Estimate } from '../../src/core/estimate';
import { createRng } from '../../src/stats/rng';

function est(estimate: number, se: number, method = 'aipw'): Estimate {
  return { method, estimand: 'ATT', estimate, se, ci: [estimate - 1.959964 * se, estimate + 1.959964 * se], nTreated: 100, nControl: 400, diagnostics: {} };
}

describe('computeRoi', () => {
  it('reproduces a hand-worked ROI', () => {
    // effect 200 per employee-month × 100 trained × 12 months = 240,000 benefit.
    // cost: 1000 × 100 direct + 8 h × 50 × 100 time + 20,000 fixed = 100,000 + 40,000 + 20,000 = 160,000.
    // ROI = (240,000 − 160,000) / 160,000 = 0.5; BCR = 1.5.
    const r = computeRoi({ course: 'C01', estimate: est(200, 50), trained: 100, costPerLearner: 1000, hours: 8, hourlyCost: 50, fixedCost: 20000 });
    expect(r.benefit).toBeCloseTo(240000, 6);
    expect(r.cost).toBeCloseTo(160000, 6);
    expect(r.roi).toBeCloseTo(0.5, 12);
    expect(r.bcr).toBeCloseTo(1.5, 12);
    expect(r.method).toBe('aipw');
    expect(r.notes.join(' ')).toMatch(/isolation: the effect comes from aipw/);
    // Interval: effect 200 ± 1.96 × 50 = [102, 298] → benefit [122,400, 357,600]
    // → ROI [(122,400 − 160,000)/160,000, (357,600 − 160,000)/160,000] = [−0.235, 1.235].
    // 4000 normal draws put the 2.5 % quantile within ~0.13 SE of the exact one.
    const tol = (0.15 * 50 * 1200) / 160000;
    expect(Math.abs(r.ci[0] - -0.235)).toBeLessThan(tol);
    expect(Math.abs(r.ci[1] - 1.235)).toBeLessThan(tol);
    expect(r.bcrCi[0]).toBeCloseTo(r.ci[0] + 1, 12);
  });

  it('spreads its draws as wide as an effect interval from t with few degrees of freedom', () => {
    // 8 trained employees: the effect's interval is 200 ± t(7) × 50 = 200 ± 118.2, not ± 98
    const wide: Estimate = { ...est(200, 50), ci: [200 - 2.364624 * 50, 200 + 2.364624 * 50], nTreated: 8 };
    const input = { course: 'C05', trained: 8, costPerLearner: 1000 };
    const normal = computeRoi({ ...input, estimate: est(200, 50) });
    const t7 = computeRoi({ ...input, estimate: wide });
    // the same draws scaled: each ROI bound moves away from the point by t(7)/1.96
    const ratio = 2.364624 / 1.959964;
    expect((t7.ci[1] - t7.roi) / (normal.ci[1] - normal.roi)).toBeCloseTo(ratio, 9);
    expect((t7.roi - t7.ci[0]) / (normal.roi - normal.ci[0])).toBeCloseTo(ratio, 9);
    expect(t7.roi).toBe(normal.roi);
  });
  it('applies margin, horizon and discounting', () => {
    // revenue effect 1000 × 10 trained × 6 months × margin 0.3 = 18,000 before discounting.
    // discount 12 %/yr: mean over m = 1..6 of 1.12^(−m/12).
    let f = 0;
    for (let m = 1; m <= 6; m++) f += Math.pow(1.12, -m / 12);
    f /= 6;
    const r = computeRoi({ course: 'X', estimate: est(1000, 100), trained: 10, fixedCost: 9000 }, { months: 6, margin: 0.3, discountRate: 0.12 });
    expect(r.benefit).toBeCloseTo(18000 * f, 6);
    expect(r.roi).toBeCloseTo((18000 * f - 9000) / 9000, 12);
  });

  it('credits nothing for an undetectable effect (no data, no improvement) unless asked', () => {
    // effect 50 ± 1.96 × 40 includes 0 → benefit 0, ROI = −1.
    const e = est(50, 40);
    const r = computeRoi({ course: 'C02', estimate: e, trained: 100, costPerLearner: 500 });
    expect(r.detected).toBe(false);
    expect(r.benefit).toBe(0);
    expect(r.roi).toBe(-1);
    expect(r.notes.join(' ')).toMatch(/no data, no improvement/);
    expect(r.ci[0]).toBeLessThan(-1);
    expect(r.ci[1]).toBeGreaterThan(-1);
    // counted on request: 50 × 100 × 12 = 60,000 vs 50,000 cost → ROI 0.2.
    const c = computeRoi({ course: 'C02', estimate: e, trained: 100, costPerLearner: 500 }, { countUndetected: true });
    expect(c.benefit).toBeCloseTo(60000, 8);
    expect(c.roi).toBeCloseTo(0.2, 12);
    expect(c.notes.join(' ')).toMatch(/unproven/);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const input = { course: 'C01', estimate: est(120, 30), trained: 40, costPerLearner: 900 };
    const a = computeRoi(input, { seed: 11 });
    const b = computeRoi(input, { seed: 11 });
    const c = computeRoi(input, { seed: 12 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.ci[0]).not.toBe(c.ci[0]);
  });

  it('uses given effect draws instead of the normal approximation', () => {
    // draws 0..999 → 2.5 % quantile 24.975, 97.5 % quantile 974.025 (type 7); multiplier 1 × 12 = 12; cost 1000.
    const draws = Array.from({ length: 1000 }, (_, i) => i);
    const r = computeRoi({ course: 'C', estimate: est(500, 10), trained: 1, fixedCost: 1000, effectDraws: draws });
    expect(r.benefitCi[0]).toBeCloseTo(24.975 * 12, 8);
    expect(r.benefitCi[1]).toBeCloseTo(974.025 * 12, 8);
  });

  it('has ROI intervals that cover the true ROI about 95 % of the time', () => {
    // true effect 100, SE 25: draw an estimate, compute its ROI interval, check it covers the true ROI.
    const rng = createRng(5);
    const cost = 50 * 600;
    const trueRoi = (100 * 50 * 12 - cost) / cost;
    let covered = 0;
    const reps = 400;
    for (let r = 0; r < reps; r++) {
      const e = est(100 + 25 * rng.normal(), 25);
      const out = computeRoi({ course: 'C', estimate: e, trained: 50, costPerLearner: 600 }, { draws: 1000, seed: r, countUndetected: true });
      if (out.ci[0] <= trueRoi && trueRoi <= out.ci[1]) covered++;
    }
    // binomial SD at 95 % over 400 reps is 1.1 points: 91–99 % is a 3.5-SD band.
    expect(covered / reps).toBeGreaterThan(0.91);
    expect(covered / reps).toBeLessThan(0.99);
  });

  it('rejects inputs that cannot give a return', () => {
    expect(() => computeRoi({ course: 'C', estimate: est(1, 1), trained: 10 })).toThrow(/total cost of course C must be > 0/);
    expect(() => computeRoi({ course: 'C', estimate: est(1, 1), trained: 10, hours: 3 })).toThrow(/hourlyCost/);
    expect(() => computeRoi({ course: 'C', estimate: est(1, NaN), trained: 10, fixedCost: 5 })).toThrow(/no usable standard error/);
    expect(() => computeRoi({ course: 'C', estimate: est(1, 1), trained: -1, fixedCost: 5 })).toThrow(RangeError);
    expect(() => computeRoi({ course: 'C', estimate: est(1, 1), trained: 10, fixedCost: 5 }, { margin: 0 })).toThrow(/margin/);
  });
});

describe('courseRoiInput', () => {
  it('reads trained employees and catalogue costs from the panel', () => {
    // 3 of 5 employees completed C02 in the data (one before it, one never): trained = 3.
    const panel = {
      courses: ['C01', 'C02'],
      courseInfo: [
        { id: 'C01', title: 'A', costPerLearner: NaN, hours: NaN },
        { id: 'C02', title: 'B', costPerLearner: 300, hours: 4 },
      ],
      firstCompletion: [Int32Array.of(-1, -1, -1, -1, -1), Int32Array.of(3, 5, -2, -1, 0)],
    };
    const input = courseRoiInput(panel, 'C02', est(10, 2), { hourlyCost: 50, fixedCost: 100 });
    expect(input).toMatchObject({ trained: 3, costPerLearner: 300, hours: 4, hourlyCost: 50, fixedCost: 100 });
    // cost = 3 × 300 + 3 × 4 × 50 + 100 = 1,600.
    expect(computeRoi(input).cost).toBe(1600);
    expect(() => courseRoiInput(panel, 'C09', est(1, 1))).toThrow(/unknown `course` "C09"/);
  });
});

describe('describeRoi', () => {
  it('reads an ROI in one sentence', () => {
    const r = computeRoi({ course: 'C01', estimate: est(200, 50), trained: 100, costPerLearner: 1000 });
    const s = describeRoi(r, { title: 'Consultative Selling', currency: 'EUR' });
    expect(s).toMatch(/^Consultative Selling: every EUR 1 spent returned EUR 2\.40 \(ROI 140 %, 95 % interval 2\d % to 25\d %\), so it pays back with room to spare/);
    expect(s).toMatch(/benefit of EUR 240,000 against a fully loaded cost of EUR 100,000; effect isolated by aipw\.$/);
  });
  it('explains no data, no improvement', () => {
    const r = computeRoi({ course: 'C03', estimate: est(10, 40), trained: 100, costPerLearner: 500 });
    expect(describeRoi(r)).toMatch(/^C03: no detectable effect, so no benefit is credited and the 50,000 spent counts as a loss \(ROI −100 %\)/);
    expect(describeRoi(r)).toMatch(/cannot rule out an ROI anywhere from −\d+ % to \d+ %/);
    // optimistic end: effect 10 + 1.96 × 40 = 88.4 × 100 × 12 = 106,080 against a cost of 500,000 → ROI ≈ −79 %.
    const costly = computeRoi({ course: 'C03', estimate: est(10, 40), trained: 100, costPerLearner: 5000 });
    expect(describeRoi(costly)).toMatch(/Even at the optimistic end of what the data allow it would not pay back \(ROI at most −\d+ %\)/);
  });
});
