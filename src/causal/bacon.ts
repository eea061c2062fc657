import { EstimationError } from '../core/errors';
import { densePanel, type PanelInput } from './panel-input';

/** The three kinds of 2×2 comparison inside a TWFE DiD with staggered timing. */
export type BaconComparisonType = 'treated vs never' | 'earlier vs later' | 'later vs earlier (already treated as controls)';

/** One 2×2 comparison: which cohort is treated, which is the control, its weight in TWFE and its DiD. */
export interface BaconComparison {
  type: BaconComparisonType;
  /** First treated period of the treated and the control cohort (0 = never treated). */
  treated: number;
  control: number;
  weight: number;
  estimate: number;
}

/** The Goodman-Bacon decomposition of a TWFE DiD coefficient. */
export interface BaconDecomposition {
  comparisons: BaconComparison[];
  /** Σ weight · estimate: equals the TWFE coefficient on a balanced panel. */
  weightedSum: number;
  /** Weight on comparisons that use already-treated units as controls (the "forbidden" ones). */
  forbiddenWeight: number;
  /** Weight and weighted-average estimate by comparison type. */
  byType: { type: BaconComparisonType; weight: number; estimate: number }[];
  /** True when every unit is observed in every period (the decomposition is then exact). */
  balanced: boolean;
  warnings: string[];
}

// A unit's cohort: its first treated period clipped to the data (always treated → first period; after the end → never, 0).
function cohortOf(g: number, firstT: number, lastT: number): number {
  return g === 0 || g > lastT ? 0 : Math.max(g, firstT);
}

// Each cohort's size and, per period, the sum and count of its units' observed outcomes (NaN: not
// observed), adding units in order; returns the number of unit-periods observed.
function cohortPeriodSums(
  unitGroup: Int32Array,
  yByPeriod: Float64Array,
  nUnits: number,
  nPeriods: number,
  firstT: number,
  lastT: number,
  idx: Map<number, number>,
  size: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
): number {
  let observed = 0;
  for (let u = 0; u < nUnits; u++) {
    const k = idx.get(cohortOf(unitGroup[u], firstT, lastT)) as number;
    size[k]++;
    for (let p = 0; p < nPeriods; p++) {
      const v = yByPeriod[p * nUnits + u];
      if (v !== v) continue;
      sums[k * nPeriods + p] += v;
      counts[k * nPeriods + p]++;
      observed++;
    }
  }
  return observed;
}

/**
 * Goodman-Bacon (2021) decomposition of the two-way fixed-effects DiD
 * coefficient under staggered timing: TWFE is a weighted average of every
 * 2×2 DiD between cohorts, including "later vs earlier" comparisons that use
 * already-treated units as controls. When effects grow over time those
 * comparisons subtract part of the effect, which is why TWFE can miss (even
 * flip the sign of) a growing effect. Weights follow the paper's eq. (10)
 * (cohort sizes and the variance of treatment within each pair), normalised
 * to sum to one; each 2×2 DiD is computed from cohort-by-period means.
 * Exact on a balanced panel; on an unbalanced one the means use the rows
 * observed and `weightedSum` shows how far from the TWFE estimate this is.
 *
 * @example
 * const b = bacon(panel);
 * b.forbiddenWeight; // => 0.054 on mpdta: 5% of TWFE's weight sits on already-treated controls
 */
export function bacon(input: PanelInput): BaconDecomposition {
  const fn = 'bacon';
  const d = densePanel(input, fn);
  const { nUnits, nPeriods, periods, yByPeriod, unitGroup } = d;
  const warnings: string[] = [];
  const firstT = periods[0];
  const lastT = periods[nPeriods - 1];
  // Cohort of each unit: its first treated period clipped to the data (always treated → first period; after the end → never).
  const cohorts = [...new Set(Array.from(unitGroup, (g) => cohortOf(g, firstT, lastT)))].sort((a, b) => a - b);
  const idx = new Map(cohorts.map((c, i) => [c, i]));
  const K = cohorts.length;
  const size = new Float64Array(K);
  const sums = new Float64Array(K * nPeriods);
  const counts = new Float64Array(K * nPeriods);
  const observed = cohortPeriodSums(unitGroup, yByPeriod, nUnits, nPeriods, firstT, lastT, idx, size, sums, counts);
  const balanced = observed === nUnits * nPeriods;
  if (!balanced) {
    warnings.push(
      `the panel is unbalanced (${nUnits * nPeriods - observed} unit-periods missing): the decomposition uses cohort means of the rows observed and is approximate`,
    );
  }
  const mean = (k: number, from: number, to: number): number => {
    // Average over periods [from, to) of the cohort's period means (equal period weights, as in a balanced panel).
    let s = 0;
    let m = 0;
    for (let p = from; p < to; p++) {
      const c = counts[k * nPeriods + p];
      if (c > 0) {
        s += sums[k * nPeriods + p] / c;
        m++;
      }
    }
    return m > 0 ? s / m : NaN;
  };
  const firstPeriodAtOrAfter = (g: number): number => {
    for (let p = 0; p < nPeriods; p++) if (periods[p] >= g) return p;
    return nPeriods;
  };
  const did2 = (tr: number, co: number, from: number, switchAt: number, to: number): number =>
    mean(tr, switchAt, to) - mean(tr, from, switchAt) - (mean(co, switchAt, to) - mean(co, from, switchAt));

  const total = nUnits;
  const share = (k: number) => size[k] / total;
  const dbar = (c: number) => (c === 0 ? 0 : (nPeriods - firstPeriodAtOrAfter(c)) / nPeriods);
  const never = idx.get(0);
  const timing = cohorts.filter((c) => c !== 0);
  if (timing.length === 0) throw new EstimationError(`${fn}: no unit is treated within the data; nothing to decompose`);
  const comparisons: BaconComparison[] = [];
  if (never !== undefined) {
    for (const c of timing) {
      const k = idx.get(c) as number;
      const nk = share(k);
      const nu = share(never);
      const Dk = dbar(c);
      const nku = nk / (nk + nu);
      const weight = (nk + nu) ** 2 * nku * (1 - nku) * Dk * (1 - Dk);
      if (weight > 0) comparisons.push({ type: 'treated vs never', treated: c, control: 0, weight, estimate: did2(k, never, 0, firstPeriodAtOrAfter(c), nPeriods) });
    }
  }
  for (let a = 0; a < timing.length; a++) {
    for (let b = a + 1; b < timing.length; b++) {
      const early = timing[a];
      const late = timing[b];
      const k = idx.get(early) as number;
      const l = idx.get(late) as number;
      const nk = share(k);
      const nl = share(l);
      const Dk = dbar(early);
      const Dl = dbar(late);
      const nkl = nk / (nk + nl);
      const pk = firstPeriodAtOrAfter(early);
      const pl = firstPeriodAtOrAfter(late);
      if (Dl < 1) {
        const weight = ((nk + nl) * (1 - Dl)) ** 2 * nkl * (1 - nkl) * ((Dk - Dl) / (1 - Dl)) * ((1 - Dk) / (1 - Dl));
        if (weight > 0) comparisons.push({ type: 'earlier vs later', treated: early, control: late, weight, estimate: did2(k, l, 0, pk, pl) });
      }
      if (Dk > 0) {
        const weight = ((nk + nl) * Dk) ** 2 * nkl * (1 - nkl) * (Dl / Dk) * ((Dk - Dl) / Dk);
        if (weight > 0) {
          comparisons.push({ type: 'later vs earlier (already treated as controls)', treated: late, control: early, weight, estimate: did2(l, k, pk, pl, nPeriods) });
        }
      }
    }
  }
  const wSum = comparisons.reduce((s, c) => s + c.weight, 0);
  if (!(wSum > 0)) throw new EstimationError(`${fn}: no comparison has treatment variation; nothing to decompose`);
  for (const c of comparisons) c.weight /= wSum;
  const types: BaconComparisonType[] = ['treated vs never', 'earlier vs later', 'later vs earlier (already treated as controls)'];
  const byType = types
    .map((type) => {
      const cs = comparisons.filter((c) => c.type === type);
      const weight = cs.reduce((s, c) => s + c.weight, 0);
      return { type, weight, estimate: weight > 0 ? cs.reduce((s, c) => s + c.weight * c.estimate, 0) / weight : NaN };
    })
    .filter((t) => t.weight > 0);
  return {
    comparisons,
    weightedSum: comparisons.reduce((s, c) => s + c.weight * c.estimate, 0),
    forbiddenWeight: byType.find((t) => t.type === 'later vs earlier (already treated as controls)')?.weight ?? 0,
    byType,
    balanced,
    warnings,
  };
}
