import type { Estimate } from '../core/estimate';
import { DataError, EstimationError } from '../core/errors';
import { designMatrix } from '../stats/design';
import { criticalValue } from '../stats/dists';
import { fitOls } from '../stats/ols';
import { vcovOls } from '../stats/vcov';

/** Two groups observed before and after: one row per unit and period. */
export interface Did2x2Input {
  y: Float64Array;
  /** 1 for the treated group (e.g. New Jersey), 0 for the comparison group. */
  treated: Float64Array | Int32Array;
  /** 1 after the change, 0 before. */
  post: Float64Array | Int32Array;
  /** Unit id, needed for `balanced` and for clustered errors. */
  unit?: Int32Array;
}

/** Options of {@link did2x2}. */
export interface Did2x2Options {
  /** Standard errors: `HC1` (default), `classical`, `HC0`, `HC3`, or `cluster` (by unit). */
  vcov?: 'classical' | 'HC0' | 'HC1' | 'HC3' | 'cluster';
  /** Keep only units with an outcome in both periods and regress the change on `treated`. */
  balanced?: boolean;
  /** 1 − confidence level, default 0.05. */
  alpha?: number;
}

/** One of the four cells: its mean, the standard error of the mean and its size. */
export interface Did2x2Cell {
  treated: 0 | 1;
  post: 0 | 1;
  mean: number;
  se: number;
  n: number;
}

/**
 * The classic 2×2 difference-in-differences (Card & Krueger 1994): the
 * treated group's change minus the comparison group's change. Pooled, it is
 * the interaction coefficient of y ~ treated · post by OLS; `balanced` keeps
 * the units seen in both periods and regresses the change on `treated`.
 * Rows with a missing outcome are left out and counted in the diagnostics.
 * The four cell means (with standard errors) come along so the table of the
 * paper can be printed.
 *
 * @example
 * const r = did2x2({ y: fte, treated: nj, post: d });
 * r.estimate; // => 2.75361 (Card & Krueger's 2.76 from rounded cells)
 * r.diagnostics.cells; // => [{ treated: 0, post: 0, mean: 23.33, se: 1.35, n: 77 }, …]
 */
export function did2x2(input: Did2x2Input, opts: Did2x2Options = {}): Estimate {
  const fn = 'did2x2';
  const { y, treated, post, unit } = input;
  const n = y.length;
  if (!(y instanceof Float64Array)) throw new TypeError(`${fn}: \`y\` must be a Float64Array`);
  if (treated.length !== n || post.length !== n) throw new RangeError(`${fn}: \`treated\` and \`post\` must have one value per row of \`y\` (${n})`);
  if (unit && unit.length !== n) throw new RangeError(`${fn}: \`unit\` has ${unit.length} rows, \`y\` has ${n}`);
  const vcov = opts.vcov ?? 'HC1';
  if (!['classical', 'HC0', 'HC1', 'HC3', 'cluster'].includes(vcov)) {
    throw new RangeError(`${fn}: \`vcov\` must be one of classical, HC0, HC1, HC3, cluster, got ${JSON.stringify(vcov)}`);
  }
  if ((vcov === 'cluster' || opts.balanced) && !unit) throw new RangeError(`${fn}: \`unit\` is needed for ${opts.balanced ? '`balanced`' : 'clustered errors'}`);
  for (let i = 0; i < n; i++) {
    for (const [name, col] of [['treated', treated], ['post', post]] as const) {
      if (col[i] !== 0 && col[i] !== 1) throw new DataError(`${fn}: row ${i + 1}: \`${name}\` must be 0 or 1, got ${col[i]}`, { row: i + 1, column: name });
    }
  }
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(y[i])) keep.push(i);
  const missing = n - keep.length;

  // The four cells.
  const sums = new Float64Array(4);
  const sq = new Float64Array(4);
  const counts = new Float64Array(4);
  for (const i of keep) {
    const c = treated[i] * 2 + post[i];
    sums[c] += y[i];
    counts[c]++;
  }
  for (let c = 0; c < 4; c++) {
    if (counts[c] < 2) {
      throw new EstimationError(`${fn}: the cell treated=${c >> 1}, post=${c & 1} has ${counts[c]} rows with an outcome; each of the four cells needs at least 2`);
    }
  }
  for (const i of keep) {
    const c = treated[i] * 2 + post[i];
    const dev = y[i] - sums[c] / counts[c];
    sq[c] += dev * dev;
  }
  const cells: Did2x2Cell[] = [0, 1, 2, 3].map((c) => ({
    treated: (c >> 1) as 0 | 1,
    post: (c & 1) as 0 | 1,
    mean: sums[c] / counts[c],
    se: Math.sqrt(sq[c] / (counts[c] - 1) / counts[c]),
    n: counts[c],
  }));

  let estimate: number;
  let se: number;
  let df: number;
  let nTreated: number;
  let nControl: number;
  const warnings: string[] = missing > 0 ? [`${missing} rows have no outcome and are left out`] : [];
  if (opts.balanced) {
    // Units with an outcome before and after; the change regressed on the group.
    const before = new Map<number, number>();
    const after = new Map<number, number>();
    const group = new Map<number, number>();
    for (const i of keep) {
      const u = (unit as Int32Array)[i];
      const target = post[i] === 1 ? after : before;
      if (target.has(u)) throw new DataError(`${fn}: row ${i + 1}: unit ${u} has two rows with post = ${post[i]}`, { row: i + 1 });
      target.set(u, y[i]);
      const g = group.get(u);
      if (g !== undefined && g !== treated[i]) throw new DataError(`${fn}: row ${i + 1}: unit ${u} changes group`, { row: i + 1, column: 'treated' });
      group.set(u, treated[i]);
    }
    const units = [...before.keys()].filter((u) => after.has(u));
    const change = Float64Array.from(units, (u) => (after.get(u) as number) - (before.get(u) as number));
    const g = Float64Array.from(units, (u) => group.get(u) as number);
    const X = designMatrix([{ name: 'treated', values: g }]);
    const fit = fitOls(X, change);
    const V = vcovOls(fit, X, vcov === 'cluster' ? 'HC1' : vcov);
    estimate = fit.coef[1];
    se = Math.sqrt(V[3]);
    df = fit.dfResidual;
    nTreated = g.reduce((s, v) => s + v, 0);
    nControl = units.length - nTreated;
    const dropped = group.size - units.length;
    if (dropped > 0) warnings.push(`${dropped} units lack an outcome in one period and are left out of the balanced panel`);
  } else {
    const rows = Int32Array.from(keep);
    const tr = Float64Array.from(rows, (i) => treated[i]);
    const po = Float64Array.from(rows, (i) => post[i]);
    const X = designMatrix([
      { name: 'treated', values: tr },
      { name: 'post', values: po },
      { name: 'treated:post', values: tr.map((v, k) => v * po[k]) },
    ]);
    const fit = fitOls(X, Float64Array.from(rows, (i) => y[i]));
    const V = vcovOls(fit, X, vcov === 'cluster' ? { cluster: Int32Array.from(rows, (i) => (unit as Int32Array)[i]) } : vcov);
    estimate = fit.coef[3];
    se = Math.sqrt(V[3 * 4 + 3]);
    df = fit.dfResidual;
    nTreated = counts[2] + counts[3];
    nControl = counts[0] + counts[1];
  }
  const crit = criticalValue(1 - (opts.alpha ?? 0.05), df);
  return {
    method: 'did_2x2',
    estimand: 'ATT (2x2 difference-in-differences)',
    estimate,
    se,
    ci: [estimate - crit * se, estimate + crit * se],
    nTreated,
    nControl,
    diagnostics: { cells, vcov, balanced: opts.balanced ?? false, rowsWithoutOutcome: missing, warnings },
  };
}
