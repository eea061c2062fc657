// The same LaLonde numbers from a second, independent implementation (statsmodels 0.13.5; see
// test/fixtures/lalonde/make_fixtures.py). Its logistic fit is run to full convergence, so IPW and
// AIPW agree more tightly here than with R's glm defaults.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { regressionAdjustment } from '../../src/causal/regression';
import { ipw } from '../../src/causal/weighting';
import { aipw } from '../../src/causal/aipw';
import { fitPropensity } from '../../src/causal/propensity';
import type { CrossSectionInput } from '../../src/causal/cross-section-input';
import { lalondeInput, relErr } from '../fixtures/lalonde/load';

const SM = new Map(
  readFileSync('test/fixtures/lalonde/statsmodels.csv', 'utf8').trim().split('\n').slice(1).map((l) => {
    const [k, v] = l.split(',');
    return [k, Number(v)] as [string, number];
  }),
);
const sm = (k: string) => {
  const v = SM.get(k);
  if (v === undefined) throw new Error(`statsmodels fixture key ${k} missing`);
  return v;
};
let input: CrossSectionInput;
beforeAll(async () => {
  input = (await lalondeInput()).input;
});

describe('LaLonde against statsmodels', () => {
  it.each(['HC0', 'HC1', 'HC2', 'HC3', 'classical'] as const)('regression SE %s (1e-8)', (v) => {
    const e = regressionAdjustment(input, { vcov: v });
    expect(relErr(e.estimate, sm('ols.treat.coef'))).toBeLessThan(1e-9);
    expect(relErr(e.se, sm(`ols.treat.se_${v === 'classical' ? 'nonrobust' : v}`))).toBeLessThan(1e-8);
  });
  it('logistic score coefficients and log-likelihood (1e-8)', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    ps.fit.names.forEach((name, j) => {
      expect(relErr(ps.fit.coef[j], sm(`logit.coef.${name === '(Intercept)' ? 'const' : name}`)), name).toBeLessThan(1e-8);
    });
    expect(relErr(ps.fit.logLik, sm('logit.loglik'))).toBeLessThan(1e-10);
  });
  it('IPW and AIPW estimates and SEs (1e-8)', () => {
    const w = ipw(input);
    expect(relErr(w.estimate, sm('ipw.att'))).toBeLessThan(1e-8);
    expect(relErr(w.se, sm('ipw.se_HC1'))).toBeLessThan(1e-8);
    const d = aipw(input);
    expect(relErr(d.estimate, sm('aipw.att'))).toBeLessThan(1e-8);
    expect(relErr(d.se, sm('aipw.se'))).toBeLessThan(1e-8);
  });
});
