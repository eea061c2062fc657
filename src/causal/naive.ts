import type { Estimate } from '../core/estimate';
import { checkCrossSectionInput, chooseVcov, groupSizes, intervalDf, makeEstimate, vcovLabel, type CommonOptions, type CrossSectionInput } from './cross-section-input';
import { treatmentCoefficient } from './regression';

/**
 * The naive difference: (weighted) mean outcome of treated minus controls,
 * with no adjustment at all — what a dashboard shows today, biased whenever
 * who gets trained depends on who would have done well anyway. SE from the
 * regression of y on treatment (HC1 by default; `vcov: 'classical'` gives the
 * pooled-variance SE of a textbook two-sample t test).
 *
 * @example
 * naiveDifference({ y: Float64Array.from([3, 5, 1, 2]), treat: Float64Array.from([1, 1, 0, 0]), covariates: [] }).estimate;
 * // => 2.5
 */
export function naiveDifference(input: CrossSectionInput, opts: CommonOptions = {}): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('naiveDifference', { ...input, covariates: [] }, opts);
  const vcov = chooseVcov(data.cluster, opts.vcov, opts.clusterAdjustment);
  const r = treatmentCoefficient(data.y, data.treat, null, data.weights, vcov);
  const { nTreated, nControl } = groupSizes(data.treat, data.weights);
  const meanControl = r.fit.coef[0];
  return makeEstimate('naive_difference', r.estimate, r.se, intervalDf(r.dfResidual, data.treat, data.cluster, data.weights, opts.clusterDf), nTreated, nControl, {
    vcov: vcovLabel(vcov),
    meanTreated: meanControl + r.estimate,
    meanControl,
    droppedMissing: dropped,
    warnings: ['the naive difference ignores who chose training; it is a baseline, not a causal estimate'],
  });
}
