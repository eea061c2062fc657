import type { Estimate } from '../core/estimate';
import { aipw } from './aipw';
import type { CommonOptions, CrossSectionInput } from './cross-section-input';
import { psmNearest, type PsmOptions } from './matching';
import { naiveDifference } from './naive';
import { regressionAdjustment } from './regression';
import { ipw } from './weighting';

// The input and option types, re-exported so callers need only this module.
export type { CrossSectionInput, CommonOptions } from './cross-section-input';

/**
 * Options any cross-sectional method accepts; each method reads the ones it
 * knows (`clusterAdjustment`, `clusterDf`: the regressions, naive_difference,
 * regression_adjustment and ipw; matching and AIPW keep their own variances).
 */
export type CrossSectionOptions = PsmOptions & Pick<CommonOptions, 'clusterAdjustment' | 'clusterDf'> & { interactions?: boolean };

/**
 * The names of the cross-sectional methods, in table order.
 *
 * @example
 * CROSS_SECTION_METHOD_NAMES.includes('ipw'); // => true
 */
export const CROSS_SECTION_METHOD_NAMES = ['naive_difference', 'regression_adjustment', 'psm_nearest', 'ipw', 'aipw'] as const;
/** One of {@link CROSS_SECTION_METHOD_NAMES}. */
export type CrossSectionMethod = (typeof CROSS_SECTION_METHOD_NAMES)[number];

/**
 * The registry: method name → estimator, all on the same input, so the
 * study and the CLI can run any of them by name.
 *
 * @example
 * CROSS_SECTION_METHODS.ipw(input, {}).estimate;
 */
export const CROSS_SECTION_METHODS: Record<CrossSectionMethod, (input: CrossSectionInput, opts: CrossSectionOptions) => Estimate> = {
  naive_difference: (input, opts) => naiveDifference(input, opts),
  regression_adjustment: (input, opts) => regressionAdjustment(input, opts),
  psm_nearest: (input, opts) => psmNearest(input, opts),
  ipw: (input, opts) => ipw(input, opts),
  aipw: (input, opts) => aipw(input, opts),
};

const MATCH_ONLY: (keyof CrossSectionOptions)[] = ['ratio', 'replace', 'caliper', 'exact', 'order', 'adjust', 'distance', 'seed'];

/**
 * Runs one cross-sectional method by name. An unknown name is a RangeError
 * listing the allowed ones; matching options given to a method that ignores
 * them add a warning to its diagnostics, as MatchIt warns.
 *
 * @example
 * estimateCrossSection('psm_nearest', input, { caliper: 0.2 }).estimate; // => 1388.46 on LaLonde
 * estimateCrossSection('psm', input); // throws: unknown method `psm`; the methods are naive_difference, ...
 */
export function estimateCrossSection(method: string, input: CrossSectionInput, opts: CrossSectionOptions = {}): Estimate {
  if (!(CROSS_SECTION_METHOD_NAMES as readonly string[]).includes(method)) {
    throw new RangeError(`estimateCrossSection: unknown method \`${method}\`; the methods are ${CROSS_SECTION_METHOD_NAMES.join(', ')}`);
  }
  const name = method as CrossSectionMethod;
  const est = CROSS_SECTION_METHODS[name](input, opts);
  if (name !== 'psm_nearest') {
    const ignored = MATCH_ONLY.filter((k) => opts[k] !== undefined && opts[k] !== false && !(Array.isArray(opts[k]) && (opts[k] as unknown[]).length === 0));
    if (ignored.length > 0) {
      const warnings = (est.diagnostics.warnings as string[] | undefined) ?? [];
      warnings.push(`${ignored.map((k) => `\`${k}\``).join(', ')} only apply to psm_nearest and were ignored`);
      est.diagnostics.warnings = warnings;
    }
  }
  return est;
}
