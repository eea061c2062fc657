import { DataError, EstimationError } from '../core/errors';
import type { Estimate } from '../core/estimate';
import type { NamedColumn } from '../stats/design';
import { noteRowSubset } from './covariate-encoding';
import { criticalValue } from '../stats/dists';
import type { VcovType } from '../stats/vcov';

/**
 * The one input every cross-sectional estimator takes: a row per unit (or per
 * cohort × employee in the study's stacked data).
 */
export interface CrossSectionInput {
  /** Outcome. */
  y: Float64Array;
  /** Treatment indicator, 0 or 1. */
  treat: Float64Array;
  /** Pre-treatment covariates; text columns become indicators. */
  covariates: NamedColumn[];
  /** Sample weights (e.g. observed post months per row). */
  weights?: Float64Array;
  /** Cluster labels (e.g. employee): when given, standard errors cluster on them. */
  cluster?: Int32Array;
  /**
   * Effect modifiers: columns the effect may vary with, read on the treated
   * rows only (so a value only the trained have, such as an assessment
   * score, can be one; control rows' values are ignored). Regression
   * adjustment interacts them with the treatment, centred at the treated
   * mean (`modifierInteractions`), so that its interval is for the treated
   * units' own average effect, the ATT of these units, rather than for the
   * average effect in a population like them. The other estimators ignore
   * them.
   */
  modifiers?: NamedColumn[];
}

/** Options shared by the estimators. */
export interface CommonOptions {
  /** Variance when `cluster` is not given: HC1 (default), classical, HC0, HC2, HC3. */
  vcov?: 'classical' | 'HC0' | 'HC1' | 'HC2' | 'HC3';
  /**
   * Small-sample factor of the clustered variance when `cluster` is given:
   * CR1 (default, R's vcovCL: G/(G−1)·(n−1)/(n−p)) or CR1p (G/(G−p): each
   * cluster one observation; it over-corrects when many coefficients are
   * indicators that take little of each cluster's leverage, as a study's
   * cohort indicators do in a small company, bench/README.md) or CR2
   * (each cluster's residuals corrected for its own leverage, Bell &
   * McCaffrey; for regression adjustment on designs under 50,000 rows,
   * where it matters; taller ones use CR1's factor and say so).
   */
  clusterAdjustment?: 'CR1' | 'CR1p' | 'CR2';
  /**
   * Degrees of freedom of a clustered interval's t quantile: the residual
   * ones (default, as lmtest::coeftest) or, with `treated`, at most one
   * less than the clusters that hold a trained row. The treatment
   * coefficient's variance rests on the trained clusters' scores; with a
   * handful of them a normal quantile gives an interval far too narrow.
   */
  clusterDf?: 'residual' | 'treated';
  /** Drop rows with a missing outcome or covariate instead of failing (reported in diagnostics). */
  dropMissing?: boolean;
}

/**
 * Checks a CrossSectionInput and returns it with missing rows dropped when
 * asked (and how many were). Non-0/1 treatment, missing values without
 * `dropMissing`, and a group with no units are errors naming what is wrong.
 *
 * @example
 * const { input, dropped } = checkCrossSectionInput('ipw', raw, { dropMissing: true });
 */
export function checkCrossSectionInput(fn: string, input: CrossSectionInput, opts: { dropMissing?: boolean } = {}): { input: CrossSectionInput; dropped: number } {
  if (!input || !(input.y instanceof Float64Array) || !(input.treat instanceof Float64Array)) {
    throw new TypeError(`${fn}: input must have \`y\` and \`treat\` as Float64Array`);
  }
  if (passedBefore(input)) return { input, dropped: 0 };
  const checked = checkAfresh(fn, input, opts);
  if (checked.input === input) PASSED.set(input, arraysOf(input));
  return checked;
}

// Inputs that passed whole (nothing to drop), with the arrays they had then. The study runs every
// method on one input object, and the check is a pass over every column of it: once is enough.
// An input whose fields now point at other arrays is checked again. (As the propensity score's cache,
// this trusts that arrays are not rewritten in place between calls.)
const PASSED = new WeakMap<CrossSectionInput, unknown[]>();

function arraysOf(input: CrossSectionInput): unknown[] {
  return [input.y, input.treat, input.weights, input.cluster, input.covariates, ...(input.covariates ?? []).map((c) => c.values), input.modifiers, ...(input.modifiers ?? []).map((c) => c.values)];
}

function passedBefore(input: CrossSectionInput): boolean {
  const known = PASSED.get(input);
  if (known === undefined) return false;
  const now = arraysOf(input);
  return now.length === known.length && now.every((a, k) => a === known[k]);
}

function checkAfresh(fn: string, input: CrossSectionInput, opts: { dropMissing?: boolean }): { input: CrossSectionInput; dropped: number } {
  const n = input.y.length;
  if (input.treat.length !== n) throw new RangeError(`${fn}: \`treat\` has ${input.treat.length} rows, \`y\` has ${n}`);
  const covariates = input.covariates ?? [];
  for (const c of covariates) {
    if (c.values.length !== n) throw new RangeError(`${fn}: covariate \`${c.name}\` has ${c.values.length} rows, \`y\` has ${n}`);
  }
  for (const c of input.modifiers ?? []) {
    if (c.values.length !== n) throw new RangeError(`${fn}: effect modifier \`${c.name}\` has ${c.values.length} rows, \`y\` has ${n}`);
  }
  if (input.weights && input.weights.length !== n) throw new RangeError(`${fn}: \`weights\` has ${input.weights.length} rows, \`y\` has ${n}`);
  if (input.cluster && input.cluster.length !== n) throw new RangeError(`${fn}: \`cluster\` has ${input.cluster.length} rows, \`y\` has ${n}`);
  checkTreatAndWeights(fn, input.treat, input.weights, n);
  // Missing values: count per column, then fail or drop.
  // Plain loops per column type: every estimator checks its input, and a callback per row
  // cost more than the check on the study's large stacks.
  const bad = new Uint8Array(n);
  const counts: [string, number][] = [];
  const note = (name: string, k: number) => {
    if (k > 0) counts.push([name, k]);
  };
  note('outcome', markMissing(input.y, true, bad, n));
  note('treatment', markMissing(input.treat, false, bad, n));
  for (const c of covariates) {
    const v = c.values;
    note(c.name, v instanceof Float64Array ? markMissing(v, true, bad, n) : markNulls(v, bad, n));
  }
  let out = input;
  let dropped = 0;
  if (counts.length > 0) {
    if (!opts.dropMissing) {
      throw new DataError(
        `${fn}: missing values in ${counts.map(([c, k]) => `\`${c}\` (${k} row${k === 1 ? '' : 's'})`).join(', ')}; ` +
          'fill or drop them first, or pass dropMissing (CLI: rows are never dropped silently)',
        { column: counts[0][0] },
      );
    }
    const keep = unmarkedRows(bad, n);
    dropped = n - keep.length;
    out = subsetInput(input, Int32Array.from(keep));
  }
  const [nT, nC] = weightedGroupCounts(out.treat, out.weights);
  if (nT === 0) throw new EstimationError(`${fn}: there are no treated units (treat = 1) to estimate an effect for`);
  if (nC === 0) throw new EstimationError(`${fn}: there are no control units (treat = 0) to compare with`);
  return { input: out, dropped };
}

// checkAfresh's loops, one a function (so V8's code for one loop never runs on into the next).

// Throws at the first row whose treatment is neither 0, 1 nor NaN, or whose weight is not finite and ≥ 0.
function checkTreatAndWeights(fn: string, treat: Float64Array, weights: Float64Array | undefined, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = treat[i];
    if (t !== 0 && t !== 1 && !Number.isNaN(t)) {
      throw new DataError(`${fn}: the treatment must be 0 or 1, got ${t} at row index ${i}`, { column: 'treat', row: i });
    }
    if (weights && !(weights[i] >= 0 && Number.isFinite(weights[i]))) {
      throw new RangeError(`${fn}: \`weights\` must be finite and >= 0, got ${weights[i]} at row index ${i}`);
    }
  }
}

// bad[i] = 1 where v[i] is missing (not finite, or NaN when `finite` is false); returns how many.
function markMissing(v: Float64Array, finite: boolean, bad: Uint8Array, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (finite ? !Number.isFinite(v[i]) : Number.isNaN(v[i])) {
      bad[i] = 1;
      k++;
    }
  }
  return k;
}

// bad[i] = 1 where v[i] is null; returns how many.
function markNulls(v: (string | null)[], bad: Uint8Array, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (v[i] === null) {
      bad[i] = 1;
      k++;
    }
  }
  return k;
}

// The rows i < n with bad[i] 0.
function unmarkedRows(bad: Uint8Array, n: number): number[] {
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!bad[i]) keep.push(i);
  return keep;
}

// [treated, control] rows with weight > 0 (every row without weights).
function weightedGroupCounts(treat: Float64Array, weights: Float64Array | undefined): [number, number] {
  let nT = 0;
  let nC = 0;
  for (let i = 0; i < treat.length; i++) {
    const w = weights ? weights[i] : 1;
    if (w <= 0) continue;
    if (treat[i] === 1) nT++;
    else nC++;
  }
  return [nT, nC];
}

function pickCluster(cluster: Int32Array, rows: Int32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = cluster[rows[r]];
  return out;
}

/**
 * The rows `rows` of an input (all its columns).
 *
 * @example
 * subsetInput(input, Int32Array.from([0, 5, 9])).y.length; // => 3
 */
export function subsetInput(input: CrossSectionInput, rows: Int32Array): CrossSectionInput {
  // Plain loops: the refuters subset large inputs many times, and a per-row callback costs more than the copy.
  return {
    y: pickValues(input.y, rows),
    treat: pickValues(input.treat, rows),
    covariates: input.covariates.map((c) => pickColumn(c, rows)),
    weights: input.weights ? pickValues(input.weights, rows) : undefined,
    cluster: input.cluster ? pickCluster(input.cluster, rows) : undefined,
    ...(input.modifiers ? { modifiers: input.modifiers.map((c) => pickColumn(c, rows)) } : {}),
  };
}

// A column at the rows `rows` (a text column's level codes noted for reuse).
function pickColumn(c: NamedColumn, rows: Int32Array): NamedColumn {
  if (c.values instanceof Float64Array) return { name: c.name, values: pickValues(c.values, rows) };
  const parent = c.values;
  const values = pickText(parent, rows);
  noteRowSubset(parent, values, rows);
  return { name: c.name, values };
}

// v at the rows `rows`.
function pickValues(v: Float64Array, rows: Int32Array): Float64Array {
  const m = rows.length;
  const out = new Float64Array(m);
  for (let r = 0; r < m; r++) out[r] = v[rows[r]];
  return out;
}

// A text column at the rows `rows`.
function pickText(parent: (string | null)[], rows: Int32Array): (string | null)[] {
  const m = rows.length;
  const values: (string | null)[] = new Array(m);
  for (let r = 0; r < m; r++) values[r] = parent[rows[r]];
  return values;
}

/**
 * The variance an estimator uses: cluster-robust on `cluster` when the input
 * has one (vcovCL's HC1 factor, or CR1p's G/(G−p) when `adjustment` says
 * so), else `opts.vcov` (default HC1).
 *
 * @example
 * chooseVcov(undefined, undefined); // => 'HC1'
 * chooseVcov(ids, undefined, 'CR1p'); // => { cluster: ids, type: 'CR1p' }
 */
export function chooseVcov(cluster: Int32Array | undefined, vcov: CommonOptions['vcov'], adjustment: CommonOptions['clusterAdjustment'] = 'CR1'): VcovType {
  if (adjustment !== 'CR1' && adjustment !== 'CR1p' && adjustment !== 'CR2') throw new RangeError(`clusterAdjustment must be CR1, CR1p or CR2, got ${JSON.stringify(adjustment)}`);
  if (cluster) return adjustment === 'CR1' ? { cluster } : { cluster, type: adjustment };
  return vcov ?? 'HC1';
}

/**
 * The degrees of freedom of an estimate's interval (see
 * `CommonOptions.clusterDf`): `dfResidual`, or with `treated` and clusters
 * at most the number of clusters holding a trained row with positive
 * weight, less one. `keep` limits the rows counted.
 *
 * @example
 * intervalDf(400, treat, cluster, undefined, 'treated'); // => 7 when 8 employees were trained
 */
export function intervalDf(
  dfResidual: number,
  treat: Float64Array,
  cluster: Int32Array | undefined,
  weights: Float64Array | undefined,
  clusterDf: CommonOptions['clusterDf'] = 'residual',
  keep: Uint8Array | null = null,
): number {
  if (clusterDf !== 'residual' && clusterDf !== 'treated') throw new RangeError(`clusterDf must be residual or treated, got ${JSON.stringify(clusterDf)}`);
  if (clusterDf === 'residual' || !cluster) return dfResidual;
  const seen = new Set<number>();
  for (let i = 0; i < treat.length; i++) {
    if (treat[i] === 1 && (keep === null || keep[i] === 1) && (weights ? weights[i] > 0 : true)) seen.add(cluster[i]);
  }
  return Math.max(1, Math.min(dfResidual, seen.size - 1));
}

/**
 * Plain label of a variance choice, for diagnostics.
 *
 * @example
 * vcovLabel({ cluster: ids }); // => 'cluster (HC1 factor)'
 */
export function vcovLabel(v: VcovType): string {
  if (typeof v === 'string') return v;
  if (!('cluster' in v)) return 'two-way cluster';
  return v.type === 'CR1p' ? 'cluster (CR1p factor G/(G−p))' : v.type === 'CR2' ? 'cluster (CR2)' : v.type === 'HC0' ? 'cluster (HC0 factor)' : 'cluster (HC1 factor)';
}

/**
 * Builds an Estimate with a 95% interval from the t distribution with `df`
 * (Infinity for the normal).
 *
 * @example
 * makeEstimate('naive_difference', 10, 2, Infinity, 40, 60, {}).ci; // => [6.08, 13.92]
 */
export function makeEstimate(
  method: string,
  estimate: number,
  se: number,
  df: number,
  nTreated: number,
  nControl: number,
  diagnostics: Record<string, unknown>,
): Estimate {
  const crit = criticalValue(0.95, df);
  return { method, estimand: 'ATT', estimate, se, ci: [estimate - crit * se, estimate + crit * se], nTreated, nControl, diagnostics };
}

/**
 * Kish's effective sample size (Σw)²/Σw² of the rows where `select` is true.
 *
 * @example
 * effectiveSampleSize(Float64Array.from([1, 1, 2])); // => 2.667 (16 / 6)
 */
export function effectiveSampleSize(w: Float64Array, select?: (i: number) => boolean): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    if (select && !select(i)) continue;
    s += w[i];
    s2 += w[i] * w[i];
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/**
 * Counts of treated and control rows with positive weight.
 *
 * @example
 * groupSizes(Float64Array.from([1, 0, 0])); // => { nTreated: 1, nControl: 2 }
 */
export function groupSizes(treat: Float64Array, weights?: Float64Array): { nTreated: number; nControl: number } {
  let nTreated = 0;
  let nControl = 0;
  for (let i = 0; i < treat.length; i++) {
    if (weights && !(weights[i] > 0)) continue;
    if (treat[i] === 1) nTreated++;
    else nControl++;
  }
  return { nTreated, nControl };
}

/**
 * A CrossSectionInput from a loaded flat table: the treatment (0/1) and
 * outcome columns by name, and covariates (text columns stay categorical).
 *
 * @example
 * const input = crossSectionFromTable(await loadFlatTable('data/lalonde/nsw_dw.csv'),
 *   { treatment: 'treat', outcome: 're78', covariates: ['age', 'education'] });
 */
export function crossSectionFromTable(
  table: { file: string; names: string[]; columns: Record<string, Float64Array | (string | null)[]> },
  spec: { treatment: string; outcome: string; covariates?: string[] },
): CrossSectionInput {
  const get = (name: string) => {
    const c = table.columns[name];
    if (c === undefined) throw new DataError(`${table.file}: no column \`${name}\`; the columns are ${table.names.join(', ')}`, { file: table.file, column: name });
    return c;
  };
  const numeric = (name: string) => {
    const c = get(name);
    if (!(c instanceof Float64Array)) throw new DataError(`${table.file}: column \`${name}\` must be numeric`, { file: table.file, column: name });
    return c;
  };
  return { y: numeric(spec.outcome), treat: numeric(spec.treatment), covariates: (spec.covariates ?? []).map((name) => ({ name, values: get(name) })) };
}

/**
 * Rows of several inputs one after the other (same covariates by name), e.g.
 * an experiment's treated units with an outside comparison group.
 *
 * @example
 * concatInputs(treatedOnly, psidControls).y.length; // => 185 + 2490
 */
export function concatInputs(...inputs: CrossSectionInput[]): CrossSectionInput {
  if (inputs.length === 0) throw new RangeError('concatInputs: pass at least one input');
  const names = inputs[0].covariates.map((c) => c.name);
  for (const inp of inputs) {
    const these = inp.covariates.map((c) => c.name);
    if (these.join('|') !== names.join('|')) throw new RangeError(`concatInputs: covariates differ (${names.join(', ')} vs ${these.join(', ')})`);
    if (Boolean(inp.weights) !== Boolean(inputs[0].weights) || Boolean(inp.cluster) !== Boolean(inputs[0].cluster)) {
      throw new RangeError('concatInputs: either all inputs have weights (cluster) or none');
    }
  }
  const cat = (arrs: Float64Array[]) => {
    const out = new Float64Array(arrs.reduce((s, a) => s + a.length, 0));
    let off = 0;
    for (const a of arrs) {
      out.set(a, off);
      off += a.length;
    }
    return out;
  };
  return {
    y: cat(inputs.map((i) => i.y)),
    treat: cat(inputs.map((i) => i.treat)),
    covariates: names.map((name, j) => {
      const cols = inputs.map((i) => i.covariates[j].values);
      if (cols.every((c) => c instanceof Float64Array)) return { name, values: cat(cols as Float64Array[]) };
      return { name, values: cols.flatMap((c) => Array.from(c as ArrayLike<string | number | null>, (v) => (v === null ? null : String(v)))) };
    }),
    weights: inputs[0].weights ? cat(inputs.map((i) => i.weights!)) : undefined,
    cluster: inputs[0].cluster ? Int32Array.from(inputs.flatMap((i) => Array.from(i.cluster!))) : undefined,
  };
}

/**
 * The rows where `treat` equals `group` (1 = treated, 0 = controls).
 *
 * @example
 * onlyGroup(nswDw, 1).y.length; // => 185
 */
export function onlyGroup(input: CrossSectionInput, group: 0 | 1): CrossSectionInput {
  const rows: number[] = [];
  for (let i = 0; i < input.treat.length; i++) if (input.treat[i] === group) rows.push(i);
  return subsetInput(input, Int32Array.from(rows));
}
