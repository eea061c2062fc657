import { describe, expect, it, beforeAll } from 'vitest';
import { designMatrix, type Design } from '../../src/stats/design';
import { fitLogit } from '../../src/stats/logit';
import { EstimationError } from '../../src/core/errors';
import { COVARIATES, lalonde, ref, reference, relErr } from '../fixtures/lalonde/load';

const R = reference();
let X: Design;
let treat: Float64Array;
let w: Float64Array;

beforeAll(async () => {
  const t = await lalonde();
  X = designMatrix(COVARIATES.map((c) => ({ name: c, values: t.columns[c] })));
  treat = t.columns.treat as Float64Array;
  const age = t.columns.age as Float64Array;
  const m = age.reduce((a, b) => a + b, 0) / age.length;
  w = age.map((a) => a / m);
});

describe('fitLogit on LaLonde (R glm fixtures, 1e-5 relative)', () => {
  it('reproduces coefficients, SEs, logLik −243.922 and deviance', () => {
    const fit = fitLogit(X, treat);
    expect(fit.converged).toBe(true);
    fit.names.forEach((name, j) => {
      expect(relErr(fit.coef[j], ref(R, `logit.coef.${name}`)), name).toBeLessThan(1e-5);
      expect(relErr(fit.coef[j], ref(R, `logit_tight.coef.${name}`)), name).toBeLessThan(1e-7);
      // glm's default SEs come from the weights of its last-but-one iteration (≈2e-5 off); run to convergence they agree to 1e-7.
      expect(relErr(fit.se[j], ref(R, `logit_tight.se.${name}`)), name).toBeLessThan(1e-7);
      expect(relErr(fit.se[j], ref(R, `logit.se.${name}`)), name).toBeLessThan(1e-4);
    });
    expect(relErr(fit.logLik, ref(R, 'logit.loglik'))).toBeLessThan(1e-5);
    expect(fit.logLik).toBeCloseTo(-243.922, 3);
    expect(relErr(fit.deviance, ref(R, 'logit.deviance'))).toBeLessThan(1e-5);
  });
  it('reproduces a weighted fit (glm with non-integer weights)', () => {
    const fit = fitLogit(X, treat, { weights: w });
    fit.names.forEach((name, j) => {
      expect(relErr(fit.coef[j], ref(R, `wlogit.coef.${name}`)), name).toBeLessThan(1e-5);
      expect(relErr(fit.se[j], ref(R, `wlogit.se.${name}`)), name).toBeLessThan(1e-5);
    });
  });
  it('lazyInformation gives the eager vcov and SEs bit for bit, on first read, then as plain values', () => {
    const eager = fitLogit(X, treat, { weights: w });
    const lazy = fitLogit(X, treat, { weights: w, lazyInformation: true });
    expect(Array.from(lazy.coef)).toEqual(Array.from(eager.coef));
    expect(Object.getOwnPropertyDescriptor(lazy, 'se')?.get).toBeTypeOf('function');
    expect(Array.from(lazy.se)).toEqual(Array.from(eager.se));
    expect(Object.getOwnPropertyDescriptor(lazy, 'se')?.get).toBeUndefined();
    expect(Array.from(lazy.vcov)).toEqual(Array.from(eager.vcov));
    expect(lazy.vcov).toBe(lazy.vcov);
    expect(Object.keys(lazy)).toEqual(Object.keys(eager));
  });
  it('fitted probabilities are the sigmoid of the linear predictor', () => {
    const fit = fitLogit(X, treat);
    for (let i = 0; i < 20; i++) expect(fit.fitted[i]).toBeCloseTo(1 / (1 + Math.exp(-fit.linear[i])), 14);
  });
});

describe('fitLogit on small hand-checked data', () => {
  it('matches the closed form for one binary covariate (log odds ratio)', () => {
    // x=0: 2 of 6 ones; x=1: 4 of 5 ones → β0 = log(2/4), β1 = log(4/1) − log(2/4)
    const x = Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const y = Float64Array.from([1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0]);
    const fit = fitLogit(designMatrix([{ name: 'x', values: x }]), y);
    expect(fit.coef[0]).toBeCloseTo(Math.log(2 / 4), 9);
    expect(fit.coef[1]).toBeCloseTo(Math.log(4) - Math.log(0.5), 9);
    // SE of the log odds ratio: sqrt(1/2 + 1/4 + 1/4 + 1/1)
    expect(fit.se[1]).toBeCloseTo(Math.sqrt(1 / 2 + 1 / 4 + 1 / 4 + 1), 7);
  });
  it('names the covariate that separates the outcome (complete and quasi)', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const z = Float64Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
    const y = Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const X2 = designMatrix([{ name: 'z', values: z }, { name: 'tenure', values: x }]);
    expect(() => fitLogit(X2, y)).toThrow(EstimationError);
    expect(() => fitLogit(X2, y)).toThrow(/separation on covariate `tenure`/);
    const manager = Float64Array.from([0, 0, 0, 0, 0, 1, 1, 1]);
    const yq = Float64Array.from([0, 1, 0, 1, 0, 1, 1, 1]);
    expect(() => fitLogit(designMatrix([{ name: 'z', values: z }, { name: 'manager', values: manager }]), yq)).toThrow(/`manager`/);
  });
  it('rejects a non-binary outcome and an outcome with one value', () => {
    const X1 = designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3]) }]);
    expect(() => fitLogit(X1, Float64Array.from([0, 2, 1]))).toThrow(/0\/1/);
    expect(() => fitLogit(X1, Float64Array.from([1, 1, 1]))).toThrow(/always 1/);
  });
});
