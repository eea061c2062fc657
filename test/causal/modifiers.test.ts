import { describe, expect, it } from 'vitest';
import { modifierCost, modifierInteractions, modifiersFit } from '../../src/causal/modifiers';
import { regressionAdjustment, treatmentCoefficient } from '../../src/causal/regression';
import { regressionRefit } from '../../src/causal/refit';
import { bindCovariates } from '../../src/causal/covariate-encoding';
import { subsetInput, type CrossSectionInput } from '../../src/causal/cross-section-input';
import { createRng } from '../../src/stats/rng';
import { lalondeInput, reference, ref, relErr } from '../fixtures/lalonde/load';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('modifierInteractions', () => {
  const treat = Float64Array.from([1, 1, 1, 0, 0, 1]);
  const weights = Float64Array.from([1, 3, 0, 1, 1, 2]);
  it('centres each modifier at the treated weighted mean and is zero on controls', () => {
    const score = Float64Array.from([70, 90, 500, NaN, NaN, 80]);
    const { columns, used } = modifierInteractions(treat, weights, [{ name: 'score', values: score }]);
    expect(used).toEqual(['score']);
    expect(columns.map((c) => c.name)).toEqual(['treat:score']);
    // (70·1 + 90·3 + 80·2) / 6 = 83.33…; the zero-weight row's 500 is not read, and its column value is 0 as on controls
    const m = (70 + 270 + 160) / 6;
    expect(Array.from(columns[0].values)).toEqual([70 - m, 90 - m, 0, 0, 0, 80 - m]);
  });
  it('gives a missing value on a treated row the mean and an indicator', () => {
    const score = Float64Array.from([70, NaN, 5, 1, 2, 80]);
    const { columns } = modifierInteractions(treat, weights, [{ name: 'score', values: score }]);
    expect(columns.map((c) => c.name)).toEqual(['treat:score', 'treat:score_missing']);
    expect(columns[0].values[1]).toBe(0);
    // the indicator is 1 on one of the weight-6 treated rows' weight 3: centred at 3/6
    expect(Array.from(columns[1].values)).toEqual([-0.5, 0.5, 0, 0, 0, -0.5]);
  });
  it('turns a text modifier into one centred column per level but the first, and leaves out constants', () => {
    const role = ['AE', 'SDR', 'AE', 'AM', 'AM', 'AM'];
    const flat = Float64Array.from([3, 3, 9, 1, 2, 3]);
    const { columns, used } = modifierInteractions(treat, weights, [
      { name: 'role', values: role },
      { name: 'flat', values: flat },
    ]);
    // the treated have AE, SDR and AM (row 6); AE is first of the sorted AE, AM, SDR
    expect(columns.map((c) => c.name)).toEqual(['treat:roleAM', 'treat:roleSDR']);
    // `flat` is 3 on every treated row with a weight: no column
    expect(used).toEqual(['role']);
  });
  it('counts what the modifiers cost', () => {
    expect(modifierCost(101, 5, false)).toEqual({ scale: 100 / 95, dfLoss: 5 });
    expect(modifierCost(101, 5, true)).toEqual({ scale: 1, dfLoss: 5 });
    expect(modifierCost(10, 0, false)).toEqual({ scale: 1, dfLoss: 0 });
    expect(modifiersFit(31, 2)).toBe(true);
    expect(modifiersFit(30, 2)).toBe(false);
  });
});

describe('regressionAdjustment with effect modifiers, against R (lm + sandwich)', () => {
  // make_modifiers.R: treat × (age, race, a score only the treated have), centred at the treated mean.
  const R = reference('modifiers_reference.csv');
  const withModifiers = async (weighted: boolean): Promise<CrossSectionInput> => {
    const { input } = await lalondeInput();
    const n = input.y.length;
    const age = input.covariates.find((c) => c.name === 'age')!.values as Float64Array;
    const educ = input.covariates.find((c) => c.name === 'educ')!.values as Float64Array;
    const race = input.covariates.find((c) => c.name === 'race')!.values;
    let ageMean = 0;
    for (let i = 0; i < n; i++) ageMean += age[i] / n;
    const score = Float64Array.from({ length: n }, (_, i) => (input.treat[i] === 1 ? 10 * educ[i] + (i % 7) : NaN));
    return {
      ...input,
      ...(weighted ? { weights: Float64Array.from(age, (a) => a / ageMean) } : {}),
      modifiers: [
        { name: 'age', values: age },
        { name: 'race', values: race },
        { name: 'score', values: score },
      ],
    };
  };
  // 185 treated, 4 interaction columns: the variance is R's times 184/180.
  const scale = Math.sqrt(184 / 180);
  for (const weighted of [false, true]) {
    const key = weighted ? 'wols' : 'ols';
    it(`${key}: the coefficient and the HC1 and clustered SEs (to 1e-8), scaled for the modifiers' degrees of freedom`, async () => {
      const input = await withModifiers(weighted);
      const hc1 = regressionAdjustment({ ...input }, {});
      expect(relErr(hc1.estimate, ref(R, `${key}.coef`))).toBeLessThan(1e-8);
      expect(relErr(hc1.se, ref(R, `${key}.se_HC1`) * scale)).toBeLessThan(1e-8);
      expect(hc1.diagnostics.modifiers).toEqual(['age', 'race', 'score']);
      const educ = input.covariates.find((c) => c.name === 'educ')!.values as Float64Array;
      const cl = regressionAdjustment({ ...input, cluster: Int32Array.from(educ) }, { clusterDf: 'treated' });
      expect(relErr(cl.se, ref(R, `${key}.se_cluster_educ`) * scale)).toBeLessThan(1e-8);
      // without them, the ordinary regression of the study before (a different number)
      const plain = regressionAdjustment({ ...input }, { modifiers: false });
      expect(Math.abs(plain.estimate - hc1.estimate)).toBeGreaterThan(10);
      expect(plain.diagnostics.modifiers).toBeUndefined();
    });
  }
});

// A stacked-data-like input, tall enough for the partialling path: the effect of each treated row is
// 100 + 40·(role is AE) + 3·(score − 75) + 0.1·(y_pre − 1000), and who is treated depends on y_pre and role.
function tallInput(seed: number, noise: number): { input: CrossSectionInput; att: number } {
  const rng = createRng(seed);
  const n = 60_000;
  const role = Array.from({ length: n }, () => ['AE', 'AM', 'SDR'][rng.int(3)]);
  const cohort = Array.from({ length: n }, (_, i) => `c${Math.floor((i * 10) / n)}`);
  const yPre = Float64Array.from({ length: n }, () => 1000 + 200 * rng.normal());
  const treat = Float64Array.from({ length: n }, (_, i) => rng.bernoulli(1 / (1 + Math.exp(-(-2 + (yPre[i] - 1000) / 150 + (role[i] === 'AE' ? 0.8 : 0))))));
  const score = Float64Array.from({ length: n }, (_, i) => (treat[i] === 1 ? 75 + 8 * rng.normal() : NaN));
  const weights = Float64Array.from({ length: n }, () => 1 + rng.int(12));
  let sw = 0;
  let se = 0;
  const y = Float64Array.from({ length: n }, (_, i) => {
    const y0 = 50 + 0.8 * yPre[i] + (role[i] === 'SDR' ? -40 : 0) + noise * rng.normal();
    if (treat[i] !== 1) return y0;
    const effect = 100 + (role[i] === 'AE' ? 40 : 0) + 3 * (score[i] - 75) + 0.1 * (yPre[i] - 1000);
    sw += weights[i];
    se += weights[i] * effect;
    return y0 + effect;
  });
  const cluster = Int32Array.from({ length: n }, () => rng.int(12000));
  const input: CrossSectionInput = {
    y,
    treat,
    weights,
    cluster,
    covariates: [
      { name: 'role', values: role },
      { name: 'y_pre', values: yPre },
      { name: 'cohort', values: cohort },
    ],
    modifiers: [
      { name: 'role', values: role },
      { name: 'y_pre', values: yPre },
      { name: 'score', values: score },
    ],
  };
  return { input, att: se / sw };
}

describe('regressionAdjustment with effect modifiers on tall data', () => {
  it("recovers the treated rows' own average effect exactly when the outcome has no noise (the common-effect fit does not)", () => {
    const { input, att } = tallInput(5, 0);
    const est = regressionAdjustment(input, { clusterDf: 'treated' });
    expect(Math.abs(est.estimate - att)).toBeLessThan(1e-6 * att);
    const plain = regressionAdjustment(input, { modifiers: false });
    expect(Math.abs(plain.estimate - att)).toBeGreaterThan(1);
  });
  it('partials out: the same coefficient and clustered SE as the explicit design with the interaction columns', () => {
    const { input } = tallInput(6, 80);
    const est = regressionAdjustment(input, { clusterDf: 'treated' });
    const mods = modifierInteractions(input.treat, input.weights, input.modifiers!);
    expect(mods.columns.length).toBe(4);
    const full = treatmentCoefficient(input.y, input.treat, bindCovariates([], [...input.covariates, ...mods.columns]), input.weights, { cluster: input.cluster! });
    expect(rel(est.estimate, full.estimate)).toBeLessThan(1e-10);
    let trained = 0;
    for (let i = 0; i < input.treat.length; i++) trained += input.treat[i];
    expect(rel(est.se, full.se * Math.sqrt(modifierCost(trained, 4, false).scale))).toBeLessThan(1e-9);
    expect(est.diagnostics.coefficients).toBe(full.fit.p);
    // CR2 asked for on data this tall: CR1's factor, as the label says (each cluster's leverage is tiny)
    const cr2 = regressionAdjustment(input, { clusterDf: 'treated', clusterAdjustment: 'CR2' });
    expect(cr2.se).toBe(est.se);
    expect(cr2.diagnostics.vcov).toBe('cluster (HC1 factor); CR2 only below 50,000 rows');
  });
  it("gives a narrower interval than the common-effect fit when the effect varies with the modifiers, and one that still covers", () => {
    const { input, att } = tallInput(7, 20);
    const est = regressionAdjustment(input, { clusterDf: 'treated' });
    const plain = regressionAdjustment(input, { clusterDf: 'treated', modifiers: false });
    expect(est.se).toBeLessThan(0.9 * plain.se);
    expect(est.ci[0]).toBeLessThan(att);
    expect(est.ci[1]).toBeGreaterThan(att);
  });
  it('leaves the effect common, with a warning, when the trained are too few for the modifiers', () => {
    const { input } = tallInput(8, 80);
    // keep 60 treated rows: 4 columns need 61
    const rows: number[] = [];
    let kept = 0;
    for (let i = 0; i < input.y.length; i++) {
      if (input.treat[i] === 1) {
        if (kept >= 60) continue;
        kept++;
      }
      rows.push(i);
    }
    const small = subsetInput(input, Int32Array.from(rows));
    const est = regressionAdjustment(small, { clusterDf: 'treated' });
    expect(est.diagnostics.modifiers).toBeUndefined();
    expect((est.diagnostics.warnings as string[])[0]).toMatch(/too few to let it vary with role, y_pre, score/);
    expect(est.estimate).toBe(regressionAdjustment(small, { clusterDf: 'treated', modifiers: false }).estimate);
  });
  it('refits as regressionAdjustment fits: the same estimate and interval on the full data', () => {
    const { input } = tallInput(9, 80);
    const opts = { clusterAdjustment: 'CR1', clusterDf: 'treated' } as const;
    const est = regressionAdjustment(input, opts);
    const refit = regressionRefit(input, { anchor: est.estimate, ...opts });
    expect(refit).not.toBeNull();
    expect(refit!.estimate).toBe(est.estimate);
    const again = refit!.withOutcome(input.y, null)!;
    expect(rel(again.estimate, est.estimate)).toBeLessThan(1e-9);
    expect(rel(again.se, est.se)).toBeLessThan(1e-8);
    expect(again.ci[1] - again.ci[0]).toBeCloseTo(est.ci[1] - est.ci[0], 6);
  });
  it("refits on subsets and with another covariate as the explicit design with the full data's interaction columns does", () => {
    const { input } = tallInput(10, 80);
    const opts = { clusterAdjustment: 'CR1', clusterDf: 'treated' } as const;
    const refit = regressionRefit(input, { anchor: regressionAdjustment(input, opts).estimate, ...opts })!;
    // the interactions as plain covariates, centred once on the full data (as the refit keeps them)
    const mods = modifierInteractions(input.treat, input.weights, input.modifiers!).columns;
    const explicit: CrossSectionInput = { ...input, covariates: [...input.covariates, ...mods], modifiers: undefined };
    const rng = createRng(11);
    // a small subset (its Gram matrix summed directly) and a large one (the full one minus the rows left out)
    for (const share of [0.3, 0.8]) {
      const keep = Uint8Array.from({ length: input.y.length }, () => (rng.uniform() < share ? 1 : 0));
      const rows = Int32Array.from(Array.from(keep.keys()).filter((i) => keep[i] === 1));
      const direct = regressionAdjustment(subsetInput(explicit, rows), opts).estimate;
      expect(rel(refit.onRows(keep)!, direct)).toBeLessThan(1e-9);
    }
    const noise = Float64Array.from({ length: input.y.length }, () => rng.normal());
    const withNoise = regressionAdjustment({ ...explicit, covariates: [...explicit.covariates, { name: 'noise', values: noise }] }, opts).estimate;
    expect(rel(refit.withCovariate(noise)!, withNoise)).toBeLessThan(1e-9);
  });
});
