import { beforeAll, describe, expect, it } from 'vitest';
import { naiveDifference } from '../../src/causal/naive';
import { regressionAdjustment } from '../../src/causal/regression';
import { ipw, attWeights } from '../../src/causal/weighting';
import { aipw } from '../../src/causal/aipw';
import { fitPropensity } from '../../src/causal/propensity';
import { estimateCrossSection, CROSS_SECTION_METHOD_NAMES } from '../../src/causal/cross-section';
import { checkCrossSectionInput, effectiveSampleSize, intervalDf, type CrossSectionInput } from '../../src/causal/cross-section-input';
import { createRng } from '../../src/stats/rng';
import { bootstrapCases } from '../../src/stats/bootstrap';
import { loadFlatTable } from '../../src/data/flat-table';
import { DataError, EstimationError } from '../../src/core/errors';
import { lalondeInput, ref, reference, relErr } from '../fixtures/lalonde/load';

const R = reference();
let input: CrossSectionInput;

beforeAll(async () => {
  input = (await lalondeInput()).input;
});

describe('naiveDifference', () => {
  it('reproduces the experimental benchmark on nsw_dw.csv: 1794.34 (classical SE 632.853)', async () => {
    const t = await loadFlatTable('data/lalonde/nsw_dw.csv');
    const e = naiveDifference({ y: t.columns.re78 as Float64Array, treat: t.columns.treat as Float64Array, covariates: [] }, { vcov: 'classical' });
    expect(relErr(e.estimate, ref(R, 'dw.diff'))).toBeLessThan(1e-9);
    expect(relErr(e.se, ref(R, 'dw.se_classical'))).toBeLessThan(1e-6);
    expect(e.nTreated).toBe(185);
    expect(e.nControl).toBe(260);
  });
  it('is the difference of weighted means (hand-worked)', () => {
    const e = naiveDifference({ y: Float64Array.from([3, 5, 1, 2]), treat: Float64Array.from([1, 1, 0, 0]), covariates: [], weights: Float64Array.from([1, 3, 1, 1]) });
    expect(e.estimate).toBeCloseTo(4.5 - 1.5, 12);
  });
  it('on LaLonde is −635.03, as the oracle', () => {
    expect(naiveDifference(input).estimate).toBeCloseTo(-635.026, 2);
  });
});

describe('regressionAdjustment', () => {
  it('reproduces lm: 1548.24 with HC1 SE 740.576 (and classical 781.279)', () => {
    const e = regressionAdjustment(input);
    expect(relErr(e.estimate, ref(R, 'ols.coef.treat'))).toBeLessThan(1e-6);
    expect(relErr(e.se, ref(R, 'ols.se_HC1.treat'))).toBeLessThan(1e-6);
    expect(relErr(regressionAdjustment(input, { vcov: 'classical' }).se, ref(R, 'ols.se_classical.treat'))).toBeLessThan(1e-6);
    expect(e.nTreated).toBe(185);
    expect(e.nControl).toBe(429);
  });
  it('with interactions recovers a heterogeneous ATT exactly on noiseless data', () => {
    const n = 200;
    const x = Float64Array.from({ length: n }, (_, i) => (i * 37) % 101);
    const treat = Float64Array.from({ length: n }, (_, i) => (x[i] + (i % 7) * 10 > 60 ? 1 : 0));
    const y = Float64Array.from({ length: n }, (_, i) => 5 + 0.5 * x[i] + treat[i] * (2 + 0.1 * x[i]));
    let sx = 0, nt = 0;
    for (let i = 0; i < n; i++) if (treat[i] === 1) { sx += x[i]; nt++; }
    const att = 2 + 0.1 * (sx / nt);
    const e = regressionAdjustment({ y, treat, covariates: [{ name: 'x', values: x }] }, { interactions: true });
    expect(e.estimate).toBeCloseTo(att, 9);
    // without interactions the coefficient is a variance-weighted average, not the ATT
    expect(Math.abs(regressionAdjustment({ y, treat, covariates: [{ name: 'x', values: x }] }).estimate - att)).toBeGreaterThan(0.01);
  });
  it('clusters when the input has a cluster, and that matches vcovCL', () => {
    const educ = input.covariates.find((c) => c.name === 'educ')!.values as Float64Array;
    const e = regressionAdjustment({ ...input, cluster: Int32Array.from(educ) });
    expect(relErr(e.se, ref(R, 'ols.se_cluster_educ.treat'))).toBeLessThan(1e-6);
    // and with CR1p's factor, as clubSandwich::vcovCR(type = 'CR1p') computes it
    const e1p = regressionAdjustment({ ...input, cluster: Int32Array.from(educ) }, { clusterAdjustment: 'CR1p' });
    expect(relErr(e1p.se, ref(reference('cr1p_reference.csv'), 'ols.se_cluster_educ_CR1p.treat'))).toBeLessThan(1e-6);
    expect(e1p.estimate).toBe(e.estimate);
    expect(() => regressionAdjustment(input, { clusterAdjustment: 'CR3' as 'CR1' })).toThrow(/clusterAdjustment must be CR1, CR1p or CR2, got "CR3"/);
  });
  it('takes t with one less degree of freedom than the trained clusters when asked (clusterDf: treated)', () => {
    // 8 trained employees among 60, each employee its own cluster with two rows
    const rng = createRng(4);
    const n = 120;
    const cluster = Int32Array.from({ length: n }, (_, i) => i >> 1);
    const treat = Float64Array.from(cluster, (g) => (g < 8 ? 1 : 0));
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const y = Float64Array.from(x, (v, i) => 2 * v + treat[i] + rng.normal());
    const data = { y, treat, covariates: [{ name: 'x', values: x }], cluster };
    const plain = regressionAdjustment(data);
    const few = regressionAdjustment(data, { clusterDf: 'treated' });
    expect(few.estimate).toBe(plain.estimate);
    expect(few.se).toBe(plain.se);
    expect((few.ci[1] - few.estimate) / few.se).toBeCloseTo(2.364624, 5); // t(7)
    expect((plain.ci[1] - plain.estimate) / plain.se).toBeCloseTo(1.98, 2); // t(117)
    expect(intervalDf(117, treat, cluster, undefined, 'treated')).toBe(7);
    // rows with zero weight do not count, nor rows a mask leaves out; without clusters the residual df stand
    expect(intervalDf(117, treat, cluster, Float64Array.from(cluster, (g) => (g < 2 ? 0 : 1)), 'treated')).toBe(5);
    expect(intervalDf(117, treat, cluster, undefined, 'treated', Uint8Array.from(cluster, (g) => (g === 0 ? 0 : 1)))).toBe(6);
    expect(intervalDf(117, treat, undefined, undefined, 'treated')).toBe(117);
    expect(() => intervalDf(117, treat, cluster, undefined, 'clusters' as 'treated')).toThrow(/clusterDf must be residual or treated, got "clusters"/);
  });
});

describe('ipw', () => {
  it('reproduces the ATT 1214.07 with HC1 SE 825.397 and the control ESS', () => {
    const e = ipw(input);
    expect(relErr(e.estimate, ref(R, 'ipw.att'))).toBeLessThan(1e-6);
    expect(relErr(e.se, ref(R, 'ipw.se_HC1'))).toBeLessThan(1e-6);
    expect(relErr(e.diagnostics.effectiveControls as number, ref(R, 'ipw.ess_control'))).toBeLessThan(1e-6);
  });
  it('weights make the weighted control mean of each covariate closer to the treated mean', () => {
    const balance = ipw(input).diagnostics.balance as { name: string; smdBefore: number; smdAfter: number }[];
    const married = balance.find((b) => b.name === 'married')!;
    expect(Math.abs(married.smdAfter)).toBeLessThan(Math.abs(married.smdBefore));
  });
  it('attWeights: 1 for treated, e/(1−e) for controls', () => {
    expect(Array.from(attWeights(Float64Array.from([0.5, 0.2]), Float64Array.from([1, 0])))).toEqual([1, 0.25]);
    expect(() => attWeights(Float64Array.from([0.5, 1]), Float64Array.from([1, 0]))).toThrow(/row index 1 has a propensity score of 1/);
    expect(effectiveSampleSize(Float64Array.from([1, 1, 2]))).toBeCloseTo(16 / 6, 12);
  });
});

describe('aipw', () => {
  it('reproduces the hand-written R computation: estimate and influence-function SE (1e-6)', () => {
    const e = aipw(input);
    expect(relErr(e.estimate, ref(R, 'aipw.att'))).toBeLessThan(1e-6);
    expect(relErr(e.se, ref(R, 'aipw.se'))).toBeLessThan(1e-6);
  });
  it('its influence-function SE agrees with a case bootstrap of the whole procedure (within 15%)', () => {
    const e = aipw(input);
    const n = input.y.length;
    const pick = (v: Float64Array, rows: Int32Array) => Float64Array.from(rows, (i) => v[i]);
    const boot = bootstrapCases(
      n,
      (rows) =>
        aipw({
          y: pick(input.y, rows),
          treat: pick(input.treat, rows),
          covariates: input.covariates.map((c) => ({
            name: c.name,
            values: c.values instanceof Float64Array ? pick(c.values, rows) : Array.from(rows, (i) => (c.values as (string | null)[])[i]),
          })),
        }).estimate,
      { draws: 200, seed: 4 },
    );
    expect(Math.abs(boot.se / e.se - 1)).toBeLessThan(0.15);
  });
  it('is doubly robust: with a wrong (constant-only) propensity it still recovers a linear truth', () => {
    const n = 400;
    const x = Float64Array.from({ length: n }, (_, i) => ((i * 53) % 97) / 10);
    const treat = Float64Array.from({ length: n }, (_, i) => (x[i] > 4 + ((i * 7) % 5) ? 1 : 0));
    const y = Float64Array.from({ length: n }, (_, i) => 1 + 2 * x[i] + 3 * treat[i]);
    const z = Float64Array.from({ length: n }, (_, i) => (i * 13) % 11);
    // outcome model includes x (correct); propensity only sees x and noise z: the ATT 3 is exact whatever the weights
    const e = aipw({ y, treat, covariates: [{ name: 'x', values: x }, { name: 'z', values: z }] });
    expect(e.estimate).toBeCloseTo(3, 8);
  });
  it('reuses the propensity design for its outcome model: same numbers as encoding the controls on their own', () => {
    const n = 300;
    const x = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 10);
    const g = Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][(i * 7) % 3]);
    const treat = Float64Array.from({ length: n }, (_, i) => (x[i] + ((i * 11) % 5) > 7 ? 1 : 0));
    const y = Float64Array.from({ length: n }, (_, i) => 2 + x[i] * 1.5 + (g[i] === 'b' ? 4 : 0) + 2 * treat[i] + (((i * 29) % 17) - 8) / 4);
    const weights = Float64Array.from({ length: n }, (_, i) => 0.5 + ((i * 3) % 7) / 7);
    const covariates = [{ name: 'x', values: x }, { name: 'g', values: g }];
    const e = aipw({ y, treat, covariates, weights });
    // Independent: the outcome model fitted by normal equations on the controls only (x, g dummies).
    const rows = Array.from({ length: n }, (_, i) => i).filter((i) => treat[i] === 0);
    const feats = (i: number) => [1, x[i], g[i] === 'b' ? 1 : 0, g[i] === 'c' ? 1 : 0];
    const xtx = Array.from({ length: 4 }, () => new Array(4).fill(0));
    const xty = new Array(4).fill(0);
    for (const i of rows) {
      const f = feats(i);
      for (let a = 0; a < 4; a++) {
        xty[a] += weights[i] * f[a] * y[i];
        for (let b = 0; b < 4; b++) xtx[a][b] += weights[i] * f[a] * f[b];
      }
    }
    for (let c = 0; c < 4; c++) for (let r = c + 1; r < 4; r++) {
      const m = xtx[r][c] / xtx[c][c];
      for (let k = c; k < 4; k++) xtx[r][k] -= m * xtx[c][k];
      xty[r] -= m * xty[c];
    }
    const beta = new Array(4).fill(0);
    for (let r = 3; r >= 0; r--) {
      let t = xty[r];
      for (let k = r + 1; k < 4; k++) t -= xtx[r][k] * beta[k];
      beta[r] = t / xtx[r][r];
    }
    const ps = fitPropensity(treat, covariates, { weights }).score;
    let sT = 0, aT = 0, sC = 0, aC = 0;
    for (let i = 0; i < n; i++) {
      const res = y[i] - feats(i).reduce((s, f, k) => s + f * beta[k], 0);
      if (treat[i] === 1) { sT += weights[i]; aT += weights[i] * res; }
      else { const w = weights[i] * ps[i] / (1 - ps[i]); sC += w; aC += w * res; }
    }
    expect(relErr(e.estimate, aT / sT - aC / sC)).toBeLessThan(1e-9);
  });
  it('names the level when a text covariate level occurs only among the treated', () => {
    const n = 60;
    const x = Float64Array.from({ length: n }, (_, i) => (i * 17) % 23);
    const treat = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const g = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? 'z' : i % 2 === 0 ? 'a' : 'b'));
    const y = Float64Array.from({ length: n }, (_, i) => x[i] + treat[i]);
    expect(() => aipw({ y, treat, covariates: [{ name: 'x', values: x }, { name: 'g', values: g }] })).toThrow(/`gz`/);
  });
});

describe('the registry and bad input', () => {
  it('runs every method by name and lists the allowed names for an unknown one', () => {
    for (const m of CROSS_SECTION_METHOD_NAMES) expect(estimateCrossSection(m, input).method).toBe(m);
    expect(() => estimateCrossSection('psm', input)).toThrow(/unknown method `psm`; the methods are naive_difference, regression_adjustment, psm_nearest, ipw, aipw/);
  });
  it('warns when a matching option is given to a method that ignores it', () => {
    const e = estimateCrossSection('ipw', input, { caliper: 0.2 });
    expect((e.diagnostics.warnings as string[]).join(' ')).toMatch(/`caliper` only apply to psm_nearest/);
  });
  it('rejects a non-binary treatment, naming the row', () => {
    const treat = Float64Array.from(input.treat);
    treat[7] = 2;
    expect(() => ipw({ ...input, treat })).toThrow(DataError);
    expect(() => ipw({ ...input, treat })).toThrow(/must be 0 or 1, got 2 at row index 7/);
  });
  it('names the column and counts missing rows; drops them only when asked', () => {
    const re74 = Float64Array.from(input.covariates.find((c) => c.name === 're74')!.values as Float64Array);
    re74[3] = NaN;
    re74[10] = NaN;
    const bad = { ...input, covariates: input.covariates.map((c) => (c.name === 're74' ? { name: 're74', values: re74 } : c)) };
    expect(() => regressionAdjustment(bad)).toThrow(/`re74` \(2 rows\)/);
    const e = regressionAdjustment(bad, { dropMissing: true });
    expect(e.diagnostics.droppedMissing).toBe(2);
    expect(e.nTreated + e.nControl).toBe(612);
  });
  it('no treated or no controls is an EstimationError', () => {
    const zeros = new Float64Array(input.y.length);
    expect(() => naiveDifference({ ...input, treat: zeros })).toThrow(EstimationError);
    expect(() => naiveDifference({ ...input, treat: zeros })).toThrow(/no treated units/);
    expect(() => aipw({ ...input, treat: zeros.map(() => 1) })).toThrow(/no control units/);
  });
  it('a constant covariate is named', () => {
    const site = new Float64Array(input.y.length).fill(3);
    expect(() => regressionAdjustment({ ...input, covariates: [...input.covariates, { name: 'site', values: site }] })).toThrow(/`site` is constant/);
    expect(() => ipw({ ...input, covariates: [...input.covariates, { name: 'site', values: site }] })).toThrow(/`site`/);
  });
  it('separation in the propensity model names the covariate', () => {
    const perfect = Float64Array.from(input.treat, (t, i) => t * 10 + (i % 3));
    expect(() => fitPropensity(input.treat, [{ name: 'badge', values: perfect }])).toThrow(/separation on covariate `badge`/);
    expect(() => ipw({ ...input, covariates: [...input.covariates, { name: 'badge', values: perfect }] })).toThrow(EstimationError);
  });
});

describe('input helpers', () => {
  it('crossSectionFromTable + onlyGroup + concatInputs rebuild DW treated vs PSID-1 (naive −15,205 as published)', async () => {
    const { crossSectionFromTable, concatInputs, onlyGroup } = await import('../../src/causal/cross-section-input');
    const spec = { treatment: 'treat', outcome: 're78', covariates: ['age', 'education'] };
    const dw = crossSectionFromTable(await loadFlatTable('data/lalonde/nsw_dw.csv'), spec);
    const psid = crossSectionFromTable(await loadFlatTable('data/lalonde/psid_controls.csv'), spec);
    const both = concatInputs(onlyGroup(dw, 1), psid);
    expect(both.y.length).toBe(185 + 2490);
    expect(Math.round(naiveDifference(both).estimate)).toBe(-15205);
    expect(() => crossSectionFromTable(psid as never, spec)).toThrow();
  });
});

describe('regression with interactions and a level no treated unit has', () => {
  it('leaves out the all-zero interaction instead of failing', () => {
    const n = 60;
    const role = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'AE' : i % 3 === 1 ? 'SDR' : 'Support'));
    const treat = Float64Array.from({ length: n }, (_, i) => (role[i] !== 'Support' && i % 2 === 0 ? 1 : 0));
    const x = Float64Array.from({ length: n }, (_, i) => (i * 7) % 13);
    const y = Float64Array.from({ length: n }, (_, i) => x[i] + (role[i] === 'AE' ? 5 : 0) + 2 * treat[i]);
    const e = regressionAdjustment({ y, treat, covariates: [{ name: 'role', values: role }, { name: 'x', values: x }] }, { interactions: true });
    expect(e.estimate).toBeCloseTo(2, 9);
  });
});

describe('checkCrossSectionInput remembers an input that passed', () => {
  it('checks an input once while its arrays stay the same, and again when a field points at another array', () => {
    const y = Float64Array.of(1, 2, 3, 4, 5, 6);
    const treat = Float64Array.of(1, 1, 1, 0, 0, 0);
    const input = { y, treat, covariates: [{ name: 'x', values: Float64Array.of(1, 2, 3, 1, 2, 3) }] };
    expect(checkCrossSectionInput('t', input).input).toBe(input);
    expect(checkCrossSectionInput('t', input).dropped).toBe(0);
    // a new outcome array with a missing value: checked afresh, and refused
    input.y = Float64Array.of(1, NaN, 3, 4, 5, 6);
    expect(() => checkCrossSectionInput('t', input)).toThrow(/missing values in `outcome` \(1 row\)/);
    // a new covariate column too
    input.y = y;
    input.covariates = [{ name: 'x', values: Float64Array.of(1, 2, NaN, 1, 2, 3) }];
    expect(() => checkCrossSectionInput('t', input)).toThrow(/missing values in `x`/);
  });
});
