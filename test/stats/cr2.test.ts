import { beforeAll, describe, expect, it } from 'vitest';
import { designMatrix, type Design } from '../../src/stats/design';
import { fitOls, coefIndex } from '../../src/stats/ols';
import { vcovOls } from '../../src/stats/vcov';
import { clusterLists, symmetricEigen } from '../../src/stats/cr2';
import { regressionAdjustment } from '../../src/causal/regression';
import { criticalValue } from '../../src/stats/dists';
import { lalondeInput, lalondeRegression, ref, reference, relErr } from '../fixtures/lalonde/load';

const TOL = 1e-6;
const R = reference('cr2_reference.csv');
let X: Design;
let y: Float64Array;
let w: Float64Array;
let educ: number[];
let g7: number[];

beforeAll(async () => {
  const fixture = await lalondeRegression();
  ({ X, y, w } = fixture);
  educ = Array.from(fixture.educ);
  g7 = Array.from({ length: y.length }, (_, i) => Math.floor(i / 7));
});

describe('CR2 cluster-robust variance, against clubSandwich::vcovCR(type = "CR2")', () => {
  for (const [label, clusters] of [
    ['educ (16 clusters, up to 200 rows each)', () => educ],
    ['row blocks of 7 (88 clusters)', () => g7],
  ] as const) {
    for (const weighted of [false, true]) {
      const key = `${weighted ? 'wols' : 'ols'}.se_CR2_${label.startsWith('educ') ? 'educ' : 'g7'}`;
      it(`${weighted ? 'weighted' : 'unweighted'}, clustered by ${label}: every coefficient's SE to 1e-6`, () => {
        const fit = fitOls(X, y, weighted ? { weights: w } : {});
        const V = vcovOls(fit, X, { cluster: clusters(), type: 'CR2' });
        fit.names.forEach((name, j) => {
          const expected = ref(R, `${key}.${name}`);
          expect(relErr(Math.sqrt(V[j * fit.p + j]), expected), `${key}.${name}`).toBeLessThan(TOL);
        });
      });
    }
  }
  it("is larger than CR1's without the factor (HC0) and corrects each cluster by its own leverage", () => {
    const fit = fitOls(X, y);
    const j = coefIndex(fit, 'treat');
    const cr2 = vcovOls(fit, X, { cluster: g7, type: 'CR2' })[j * fit.p + j];
    const hc0 = vcovOls(fit, X, { cluster: g7, type: 'HC0' })[j * fit.p + j];
    // HC0's clustered variance carries G/(G−1); without it the residuals' shrinkage is uncorrected
    expect(cr2).toBeGreaterThan(hc0 * (87 / 88));
  });
  it('regression adjustment with effect modifiers and CR2 matches lm + clubSandwich', async () => {
    const { input } = await lalondeInput();
    const race = input.covariates.find((c) => c.name === 'race')!.values;
    const age = input.covariates.find((c) => c.name === 'age')!.values;
    const cluster = Int32Array.from(g7);
    const est = regressionAdjustment(
      { ...input, cluster, modifiers: [{ name: 'age', values: age }, { name: 'race', values: race }] },
      { clusterAdjustment: 'CR2', clusterDf: 'treated' },
    );
    expect(relErr(est.estimate, ref(R, 'mod.coef'))).toBeLessThan(1e-8);
    // CR2 divides each residual by its own leverage, the interactions' included: clubSandwich's variance as it is
    expect(relErr(est.se, ref(R, 'mod.se_CR2_g7'))).toBeLessThan(TOL);
    // and the interval's t gives up the 3 interaction columns' degrees of freedom: the 185 treated (the data's
    // first rows) are in 27 blocks of 7, so 27 − 1 − 3
    expect(est.ci[1] - est.estimate).toBeCloseTo(est.se * criticalValue(0.95, 23), 8);
    expect(est.diagnostics.vcov).toBe('cluster (CR2)');
  });
});

describe('CR2 on clusters too large for it', () => {
  it('says so in words instead of decomposing a huge block', () => {
    const n = 7000;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const D = designMatrix([{ name: 'x', values: x }]);
    const fit = fitOls(D, Float64Array.from(x, (v, i) => 2 * v + Math.cos(i)));
    const halves = Array.from({ length: n }, (_, i) => (i < 3500 ? 0 : 1));
    expect(() => vcovOls(fit, D, { cluster: halves, type: 'CR2' })).toThrow(/largest cluster has 3,500 rows \(at most 3,000\).*use CR1/);
  });
});

describe('the pieces of CR2', () => {
  it('lists each cluster’s rows in row order', () => {
    const { start, rows } = clusterLists(Int32Array.from([1, 0, 1, 2, 0]), 3);
    expect(Array.from(start)).toEqual([0, 2, 4, 5]);
    expect(Array.from(rows)).toEqual([1, 4, 0, 2, 3]);
  });
  it('decomposes a symmetric matrix: A V = V Λ, V orthonormal', () => {
    const m = 5;
    const A = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) A[i * m + j] = A[j * m + i] = Math.sin(1 + i * 7 + j * 3) + (i === j ? 3 : 0);
    const copy = A.slice();
    const V = new Float64Array(m * m);
    const l = new Float64Array(m);
    symmetricEigen(copy, m, V, l);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < m; k++) {
        let av = 0;
        for (let j = 0; j < m; j++) av += A[i * m + j] * V[j * m + k];
        expect(av).toBeCloseTo(V[i * m + k] * l[k], 12);
        let vv = 0;
        for (let j = 0; j < m; j++) vv += V[j * m + i] * V[j * m + k];
        expect(vv).toBeCloseTo(i === k ? 1 : 0, 12);
      }
    }
  });
});
