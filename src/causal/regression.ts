import type { Estimate } from '../core/estimate';
import { bindColumns, type Design } from '../stats/design';
import { bindCovariates, encodeCovariates } from './covariate-encoding';
import { coefIndex, fitOls, type OlsFit } from '../stats/ols';
import { vcovOls, type VcovType } from '../stats/vcov';
import {
  checkCrossSectionInput,
  chooseVcov,
  groupSizes,
  makeEstimate,
  vcovLabel,
  type CommonOptions,
  type CrossSectionInput,
} from './cross-section-input';

/** The treatment coefficient of a weighted regression, with its variance. */
export interface TreatmentCoefficient {
  estimate: number;
  se: number;
  dfResidual: number;
  fit: OlsFit;
  design: Design;
}

/**
 * Regresses y on an intercept, `treat` and the columns of `controls` (may be
 * null) with weights, and returns
 * the coefficient on `treat` with its SE under `vcov`. The building block of
 * the regression, matching and weighting estimators, as MatchIt's guide
 * estimates effects on matched data.
 *
 * @example
 * treatmentCoefficient(y, treat, null, undefined, 'HC1').estimate; // => difference in means
 */
export function treatmentCoefficient(
  y: Float64Array,
  treat: Float64Array,
  controls: Design | null,
  weights: Float64Array | undefined,
  vcov: VcovType,
): TreatmentCoefficient {
  const base = treatmentBase(treat);
  return fitTreatment(controls === null ? base : bindColumns(base, controls), y, weights, vcov);
}

// The intercept and treatment columns every treatment regression starts with.
function treatmentBase(treat: Float64Array): Design {
  const n = treat.length;
  const base: Design = { n, p: 2, names: ['(Intercept)', 'treat'], x: new Float64Array(2 * n) };
  base.x.fill(1, 0, n);
  base.x.set(treat, n);
  return base;
}

// The treatment coefficient of a design that has the column `treat`.
function fitTreatment(design: Design, y: Float64Array, weights: Float64Array | undefined, vcov: VcovType): TreatmentCoefficient {
  const fit = fitOls(design, y, { weights });
  const V = vcovOls(fit, design, vcov);
  const j = coefIndex(fit, 'treat');
  return { estimate: fit.coef[j], se: Math.sqrt(V[j * fit.p + j]), dfResidual: fit.dfResidual, fit, design };
}

/**
 * The covariates' design without the intercept (text columns → indicators), or null when there are none.
 *
 * @example
 * covariateDesign(input)?.names; // => ['age', 'educ', 'racehispan', 'racewhite', ...]
 */
export function covariateDesign(input: CrossSectionInput): Design | null {
  if (input.covariates.length === 0) return null;
  // The refuters refit on the same covariates many times: reuse their encoding.
  return encodeCovariates(input.covariates);
}

/**
 * Regression adjustment: OLS of the outcome on treatment and the
 * pre-treatment covariates; the treatment coefficient is the effect. With
 * `interactions`, treatment also interacts with the covariates centred at
 * the treated units' (weighted) means, so the coefficient is the ATT even when
 * the effect varies with the covariates. Errors: HC1 by default, cluster-robust
 * on `input.cluster` when given.
 *
 * @example
 * regressionAdjustment({ y, treat, covariates: [{ name: 'age', values: age }] }).estimate;
 * // LaLonde (MatchIt data, 7 covariates): 1548.24, HC1 SE 740.58
 */
export function regressionAdjustment(
  input: CrossSectionInput,
  opts: CommonOptions & { interactions?: boolean } = {},
): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('regressionAdjustment', input, opts);
  const vcov = chooseVcov(data.cluster, opts.vcov);
  // Without interactions the covariates are written straight into the one design matrix (no intermediate copy).
  const r =
    data.covariates.length > 0 && !opts.interactions
      ? fitTreatment(bindCovariates([treatmentBase(data.treat)], data.covariates), data.y, data.weights, vcov)
      : treatmentCoefficient(data.y, data.treat, data.covariates.length === 0 ? null : withCentredInteractions(encodeCovariates(data.covariates), data.treat, data.weights), data.weights, vcov);
  const { nTreated, nControl } = groupSizes(data.treat, data.weights);
  return makeEstimate('regression_adjustment', r.estimate, r.se, r.dfResidual, nTreated, nControl, {
    vcov: vcovLabel(vcov),
    interactions: Boolean(opts.interactions),
    r2: r.fit.r2,
    coefficients: r.fit.p,
    droppedMissing: dropped,
    warnings: [],
  });
}

/**
 * [X | treat × (X − treated mean of X)]: the interaction terms whose centring makes the treat coefficient the ATT.
 * A column constant among the treated (e.g. a level no treated unit has) gives an all-zero interaction and is left out.
 */
function withCentredInteractions(X: Design, treat: Float64Array, weights: Float64Array | undefined): Design {
  const { n, p } = X;
  const inter = new Float64Array(n * p);
  const names: string[] = [];
  let q = 0;
  for (let j = 0; j < p; j++) {
    const src = j * n;
    const off = q * n;
    let s = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      if (treat[i] !== 1) continue;
      const w = weights ? weights[i] : 1;
      s += w * X.x[src + i];
      sw += w;
    }
    const m = s / sw;
    let nonZero = false;
    for (let i = 0; i < n; i++) {
      const v = treat[i] * (X.x[src + i] - m);
      inter[off + i] = v;
      if (v !== 0) nonZero = true;
    }
    if (!nonZero) continue;
    names.push(`treat:${X.names[j]}`);
    q++;
  }
  return bindColumns(X, { n, p: q, names, x: inter.subarray(0, q * n) });
}
