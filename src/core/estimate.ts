/**
 * The one shape every estimator returns (CONTRACT §3), so that a table or a
 * forest plot can hold any mix of methods.
 *
 * @example
 * const e: Estimate = { method: 'naive_difference', estimand: 'ATT', estimate: 12.5,
 *   se: 3.1, ci: [6.4, 18.6], nTreated: 40, nControl: 160, diagnostics: {} };
 */
export interface Estimate {
  /** Method name, one of {@link METHODS} (or a variant such as `psm_nearest`). */
  method: string;
  /** What is estimated; every study method targets the window `ATT`. */
  estimand: string;
  estimate: number;
  /** Standard error; `NaN` only where a method documents that none exists. */
  se: number;
  /** 95% confidence interval. */
  ci: [number, number];
  nTreated: number;
  nControl: number;
  /** Method-specific numbers and plain-words warnings. */
  diagnostics: Record<string, unknown>;
  /** Set by the study for per-course results. */
  course?: string;
}

/** Methods named in CONTRACT §3, in the order tables list them. */
export const METHODS = [
  'naive_difference',
  'before_after',
  'regression_adjustment',
  'psm_nearest',
  'ipw',
  'aipw',
  'did_twfe',
  'did_staggered',
] as const;

export type MethodName = (typeof METHODS)[number];

/** Attribution models named in CONTRACT §3. */
export const ATTRIBUTION_MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'time_decay',
  'position_based',
  'shapley',
  'markov',
  'causal',
] as const;

export type AttributionModelName = (typeof ATTRIBUTION_MODELS)[number];
