import type { Estimate } from '../core/estimate';

/** One row of the comparison table. */
export interface ComparisonRow {
  method: string;
  course?: string;
  estimate: number;
  se: number;
  ci: [number, number];
  nTreated: number;
  nControl: number;
  /** The known effect (synthetic data only). */
  truth?: number;
  /** estimate − truth. */
  bias?: number;
  /** Whether the 95 % interval contains the truth. */
  covers?: boolean;
}

/** The table and its reading in plain words. */
export interface ModelComparison {
  rows: ComparisonRow[];
  reading: string[];
}

/** Methods that correct for selection on measured covariates or on fixed differences (parallel trends). */
export const SELECTION_ROBUST_METHODS = ['regression_adjustment', 'psm_nearest', 'ipw', 'aipw', 'did_staggered'] as const;
/** Methods that make no correction for who chose to train. */
export const NAIVE_METHODS = ['naive_difference', 'before_after'] as const;

const LABELS: Record<string, string> = {
  naive_difference: 'the naive trained-vs-untrained difference',
  before_after: 'the before-after comparison',
  regression_adjustment: 'regression adjustment',
  psm_nearest: 'propensity-score matching',
  ipw: 'inverse-probability weighting',
  aipw: 'doubly robust AIPW',
  did_twfe: 'two-way fixed effects DiD',
  did_staggered: 'staggered DiD',
};

function label(method: string): string {
  return LABELS[method] ?? method;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(3)).toString();
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function preTrendPValue(e: Estimate): number | undefined {
  const d = e.diagnostics as Record<string, unknown>;
  const pt = d.preTrend as { pValue?: unknown } | undefined;
  if (pt && typeof pt.pValue === 'number') return pt.pValue;
  if (typeof d.preTrendPValue === 'number') return d.preTrendPValue;
  return undefined;
}

/**
 * Every estimator's answer to the same question in one table — and, on
 * synthetic data, against the truth (bias and whether the 95 % interval
 * covers it) — with a reading in plain words: whether the selection-robust
 * methods agree with each other, whether the naive ones stand apart, and
 * when the doubly robust and DiD estimates disagree, which assumption each
 * leans on and what the disagreement suggests. Agreement is judged on the
 * intervals (they share a common value), not on p-values.
 *
 * @example
 * const e = (method: string, estimate: number) => ({ method, estimand: 'ATT', estimate, se: 10,
 *   ci: [estimate - 19.6, estimate + 19.6] as [number, number], nTreated: 100, nControl: 400, diagnostics: {} });
 * compareModels([e('naive_difference', 300), e('aipw', 100), e('ipw', 105)], { truth: 100 }).rows[0].bias; // => 200
 */
export function compareModels(estimates: Estimate[], opts: { truth?: number } = {}): ModelComparison {
  if (!Array.isArray(estimates)) throw new TypeError('compareModels: `estimates` must be an array of Estimate');
  const truth = opts.truth;
  if (truth !== undefined && !Number.isFinite(truth)) throw new RangeError(`compareModels: \`truth\` must be a finite number, got ${truth}`);
  const courses = new Set(estimates.map((e) => e.course ?? ''));
  if (courses.size > 1) throw new RangeError(`compareModels: estimates must all be for one course, got ${[...courses].join(', ')}`);

  const rows: ComparisonRow[] = estimates.map((e) => {
    const row: ComparisonRow = { method: e.method, estimate: e.estimate, se: e.se, ci: e.ci, nTreated: e.nTreated, nControl: e.nControl };
    if (e.course !== undefined) row.course = e.course;
    if (truth !== undefined) {
      row.truth = truth;
      row.bias = e.estimate - truth;
      row.covers = e.ci[0] <= truth && truth <= e.ci[1];
    }
    return row;
  });

  const reading: string[] = [];
  const usable = estimates.filter((e) => Number.isFinite(e.estimate) && Number.isFinite(e.ci[0]) && Number.isFinite(e.ci[1]));
  const robust = usable.filter((e) => (SELECTION_ROBUST_METHODS as readonly string[]).includes(e.method));
  const naive = usable.filter((e) => (NAIVE_METHODS as readonly string[]).includes(e.method));

  if (robust.length >= 2) {
    const lo = Math.max(...robust.map((e) => e.ci[0]));
    const hi = Math.min(...robust.map((e) => e.ci[1]));
    const pts = robust.map((e) => e.estimate);
    const range = `${fmt(Math.min(...pts))} to ${fmt(Math.max(...pts))}`;
    if (lo <= hi) {
      reading.push(`The selection-robust methods (${robust.map((e) => label(e.method)).join(', ')}) agree: their estimates run from ${range} and every one of their 95 % intervals contains ${fmt(lo)}–${fmt(hi)}.`);
    } else {
      reading.push(`The selection-robust methods do not agree: their estimates run from ${range} and their 95 % intervals share no common value, so at least one of their assumptions fails here.`);
    }
  } else if (robust.length === 1) {
    reading.push(`Only one selection-robust method (${label(robust[0].method)}) gave an estimate, so agreement cannot be checked.`);
  }

  if (robust.length > 0) {
    const centre = median(robust.map((e) => e.estimate));
    // The robust range widened by a typical robust margin of error. The median SE keeps one
    // very wide interval (matching or weighting with poor overlap) from swallowing everything.
    const pts = robust.map((e) => e.estimate);
    const margin = 1.96 * median(robust.map((e) => e.se).filter(Number.isFinite));
    const band: [number, number] = [Math.min(...pts) - margin, Math.max(...pts) + margin];
    for (const n of naive) {
      const gap = n.estimate - centre;
      if (n.estimate < band[0] || n.estimate > band[1]) {
        const why =
          n.method === 'naive_difference'
            ? 'employees who choose to train differ from those who do not (selection), and the naive comparison counts that difference as the effect'
            : 'outcomes change over time for everyone (seasonality, market, tenure), and before-after counts that change as the effect';
        reading.push(`${capital(label(n.method))} (${fmt(n.estimate)}) stands apart from the selection-robust methods (median ${fmt(centre)}), ${gap > 0 ? 'over' : 'under'}stating by about ${fmt(Math.abs(gap))}: ${why}.`);
      } else {
        reading.push(`${capital(label(n.method))} (${fmt(n.estimate)}) happens to fall within reach of the selection-robust estimates here; that does not make it trustworthy on other data.`);
      }
    }
  }

  const aipw = usable.find((e) => e.method === 'aipw');
  const did = usable.find((e) => e.method === 'did_staggered');
  if (aipw && did) {
    const sd = Math.sqrt(aipw.se * aipw.se + did.se * did.se);
    const z = (aipw.estimate - did.estimate) / sd;
    const p = preTrendPValue(did);
    const trendNote =
      p === undefined
        ? ''
        : p < 0.05
          ? ` The DiD pre-trend test rejects parallel pre-trends (p = ${p.toFixed(3)}), which points at DiD's assumption.`
          : ` The DiD pre-trend test finds no pre-trend (p = ${p.toFixed(3)}), which makes a fixed unmeasured difference the likelier culprit.`;
    if (Number.isFinite(z) && Math.abs(z) > 1.96) {
      reading.push(
        `The doubly robust AIPW (${fmt(aipw.estimate)}) and staggered DiD (${fmt(did.estimate)}) disagree by ${fmt(aipw.estimate - did.estimate)}, more than their uncertainty explains. ` +
          'AIPW assumes no unmeasured confounders once the covariates are accounted for; DiD assumes trained and untrained employees would have followed parallel trends. ' +
          `${aipw.estimate > did.estimate ? 'AIPW higher than DiD suggests a lasting unmeasured advantage of those who trained (e.g. motivation) that DiD differences away — or trends that diverge, which would bias DiD instead.' : 'DiD higher than AIPW suggests trained employees were on a rising trend or the covariates over-adjust — or an unmeasured fixed disadvantage of those who trained that only DiD removes.'}` +
          trendNote,
      );
    } else if (Number.isFinite(z)) {
      reading.push(
        `The doubly robust AIPW (${fmt(aipw.estimate)}) and staggered DiD (${fmt(did.estimate)}) agree within their uncertainty. They rest on different assumptions (no unmeasured confounders given covariates vs parallel trends), so their agreement is reassuring.` +
          trendNote,
      );
    }
  }

  if (truth !== undefined && rows.length > 0) {
    const cover = rows.filter((r) => r.covers).map((r) => label(r.method));
    const miss = rows.filter((r) => r.covers === false).map((r) => label(r.method));
    reading.push(
      `Against the known truth (${fmt(truth)}): ${cover.length > 0 ? `${cover.join(', ')} cover${cover.length === 1 ? 's' : ''} it` : 'no interval covers it'}` +
        `${miss.length > 0 ? `; ${miss.join(', ')} miss${miss.length === 1 ? 'es' : ''} it` : ''}.`,
    );
  }
  return { rows, reading };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
