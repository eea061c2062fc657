import { factorLevels, type NamedColumn } from '../stats/design';

/** Balance of one covariate (or one level of a text covariate) before and after matching or weighting. */
export interface BalanceRow {
  name: string;
  binary: boolean;
  meanTreated: number;
  meanControlBefore: number;
  meanControlAfter: number;
  /** Standardised mean difference (treated − control) / SD of the treated before adjustment. */
  smdBefore: number;
  smdAfter: number;
  /** Variance ratio treated / control (NaN for binary covariates, as MatchIt). */
  varianceRatioBefore: number;
  varianceRatioAfter: number;
  /** Largest distance between the treated and control empirical CDFs. */
  ecdfMaxBefore: number;
  ecdfMaxAfter: number;
}

/**
 * Thresholds under which balance is called adequate (common rules of thumb: |SMD| < 0.1, variance ratio in [0.5, 2]).
 *
 * @example
 * Math.abs(row.smdAfter) < BALANCE_THRESHOLDS.smd; // => balanced on this covariate
 */
export const BALANCE_THRESHOLDS = { smd: 0.1, varianceRatioLow: 0.5, varianceRatioHigh: 2 } as const;

interface Stats {
  mean: number;
  variance: number;
}

// Weighted mean and variance of the treated and of the controls, with the reliability-weights
// correction (Σw − Σw²/Σw), which is the sample variance for unit weights. Both groups in
// the same two passes; each group's sums still run in row order.
function weightedStats(x: Float64Array, treat: Float64Array, w: Float64Array | undefined): [treated: Stats, control: Stats] {
  let swT = 0, sw2T = 0, sT = 0, swC = 0, sw2C = 0, sC = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) {
      swT += wi;
      sw2T += wi * wi;
      sT += wi * x[i];
    } else if (treat[i] === 0) {
      swC += wi;
      sw2C += wi * wi;
      sC += wi * x[i];
    }
  }
  const meanT = sT / swT;
  const meanC = sC / swC;
  let ssT = 0, ssC = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) ssT += wi * (x[i] - meanT) * (x[i] - meanT);
    else if (treat[i] === 0) ssC += wi * (x[i] - meanC) * (x[i] - meanC);
  }
  return [
    { mean: meanT, variance: ssT / (swT - sw2T / swT) },
    { mean: meanC, variance: ssC / (swC - sw2C / swC) },
  ];
}

/**
 * Largest vertical distance between the weighted empirical CDFs of treated
 * and controls (the Kolmogorov–Smirnov statistic).
 *
 * @example
 * ecdfMaxDistance(Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 1, 0, 0])); // => 1
 */
export function ecdfMaxDistance(x: Float64Array, treat: Float64Array, w?: Float64Array): number {
  return ecdfMaxSorted(x, treat, w, sortedOrder(x));
}

/** Row indices ordered by x (one sort per covariate, shared by the before and after distances). */
function sortedOrder(x: Float64Array): Uint32Array {
  const idx = new Uint32Array(x.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => x[a] - x[b]);
}

function ecdfMaxSorted(x: Float64Array, treat: Float64Array, w: Float64Array | undefined, order: Uint32Array): number {
  let wt = 0, wc = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) wt += wi;
    else wc += wi;
  }
  let ft = 0, fc = 0, best = 0;
  let last = -1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    // Close the step of the previous distinct value before adding this one.
    if (last >= 0 && x[i] !== x[last]) best = Math.max(best, Math.abs(ft - fc));
    if (treat[i] === 1) ft += wi / wt;
    else fc += wi / wc;
    last = i;
  }
  return Math.max(best, Math.abs(ft - fc));
}

function isBinary(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
  return true;
}

function expand(covariates: NamedColumn[]): { name: string; values: Float64Array }[] {
  const out: { name: string; values: Float64Array }[] = [];
  for (const c of covariates) {
    if (c.values instanceof Float64Array) out.push({ name: c.name, values: c.values });
    else {
      const v = c.values;
      const levels = factorLevels(v);
      const code = new Map(levels.map((level, j) => [level, j]));
      const columns = levels.map(() => new Float64Array(v.length));
      for (let i = 0; i < v.length; i++) {
        const j = v[i] === null ? undefined : code.get(v[i] as string);
        if (j !== undefined) columns[j][i] = 1;
      }
      levels.forEach((level, j) => out.push({ name: c.name + level, values: columns[j] }));
    }
  }
  return out;
}

/**
 * Balance table before and after matching or weighting, as MatchIt's
 * `summary()` for the ATT: standardised mean differences over the treated
 * group's SD before adjustment (√(p(1−p)) for binary covariates), variance
 * ratios for continuous covariates, and the maximum eCDF distance. Text
 * covariates are shown level by level. `before` are the sample weights (or
 * none); `after` the matching or weighting weights (times sample weights).
 *
 * @example
 * const rows = balanceTable([{ name: 'age', values: age }], treat, { after: match.weights });
 * rows[0].smdAfter; // => 0.085 for LaLonde after 1:1 matching on the logit score
 */
export function balanceTable(
  covariates: NamedColumn[],
  treat: Float64Array,
  opts: { before?: Float64Array; after?: Float64Array } = {},
): BalanceRow[] {
  const before = beforeSide(covariates, treat, opts.before);
  const after = opts.after ?? opts.before;
  // The text levels' indicator columns are rebuilt (one pass) rather than kept: on a large input they weigh more than the sorts.
  return expand(covariates).map(({ name, values }, k) => {
    const { binary, t0, c0, ecdfMaxBefore, order } = before[k];
    const [t1, c1] = weightedStats(values, treat, after);
    const sd = binary ? Math.sqrt(t0.mean * (1 - t0.mean)) : Math.sqrt(t0.variance);
    const smd = (a: number, b: number) => (sd > 0 ? (a - b) / sd : a === b ? 0 : NaN);
    return {
      name,
      binary,
      meanTreated: t1.mean,
      meanControlBefore: c0.mean,
      meanControlAfter: c1.mean,
      smdBefore: smd(t0.mean, c0.mean),
      smdAfter: smd(t1.mean, c1.mean),
      varianceRatioBefore: binary ? NaN : t0.variance / c0.variance,
      varianceRatioAfter: binary ? NaN : t1.variance / c1.variance,
      ecdfMaxBefore,
      // For a 0/1 covariate the eCDFs differ only at 0, by the difference in shares.
      ecdfMaxAfter: binary ? Math.abs(t1.mean - c1.mean) : ecdfMaxSorted(values, treat, after, order!),
    };
  });
}

interface BeforeRow {
  binary: boolean;
  t0: Stats;
  c0: Stats;
  ecdfMaxBefore: number;
  /** Row order by value (continuous covariates only), shared with the after side. */
  order?: Uint32Array;
}

// Matching and weighting on one input share the "before" side of their
// balance tables (and its sorts): compute it once per input. Keyed on the
// very arrays passed, as fitPropensity's cache.
const BEFORE = new WeakMap<Float64Array, { covariates: NamedColumn[]; columns: NamedColumn['values'][]; weights: Float64Array | undefined; rows: BeforeRow[] }>();

function beforeSide(covariates: NamedColumn[], treat: Float64Array, weights: Float64Array | undefined): BeforeRow[] {
  const cached = BEFORE.get(treat);
  if (
    cached &&
    cached.covariates === covariates &&
    cached.weights === weights &&
    cached.columns.length === covariates.length &&
    covariates.every((c, j) => c.values === cached.columns[j])
  ) {
    return cached.rows;
  }
  const rows = expand(covariates).map(({ values }): BeforeRow => {
    const binary = isBinary(values);
    const [t0, c0] = weightedStats(values, treat, weights);
    if (binary) return { binary, t0, c0, ecdfMaxBefore: Math.abs(t0.mean - c0.mean) };
    const order = sortedOrder(values);
    return { binary, t0, c0, ecdfMaxBefore: ecdfMaxSorted(values, treat, weights, order), order };
  });
  BEFORE.set(treat, { covariates, columns: covariates.map((c) => c.values), weights, rows });
  return rows;
}

/**
 * Plain-words warnings for covariates still out of balance after adjustment
 * (|SMD| ≥ 0.1, or a variance ratio outside [0.5, 2]). No p-values: balance
 * is a property of the sample, not a hypothesis.
 *
 * @example
 * balanceWarnings(rows); // => ['`re74` is still unbalanced after adjustment (standardised difference -0.21; aim for under 0.1)']
 */
export function balanceWarnings(rows: BalanceRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (Math.abs(r.smdAfter) >= BALANCE_THRESHOLDS.smd) {
      out.push(`\`${r.name}\` is still unbalanced after adjustment (standardised difference ${r.smdAfter.toFixed(2)}; aim for under ${BALANCE_THRESHOLDS.smd})`);
    } else if (!r.binary && (r.varianceRatioAfter < BALANCE_THRESHOLDS.varianceRatioLow || r.varianceRatioAfter > BALANCE_THRESHOLDS.varianceRatioHigh)) {
      out.push(`\`${r.name}\` has a different spread in the two groups after adjustment (variance ratio ${r.varianceRatioAfter.toFixed(2)}; aim for 0.5 to 2)`);
    }
  }
  return out;
}
