import { DataError, EstimationError } from '../core/errors';
import type { Panel } from '../data/panel';
import { demeanTwoWay } from '../stats/fixed-effects';
import { choleskyScaled, choleskySolve } from '../stats/linalg';
import { createRng } from '../stats/rng';
import { progressBar, quantileSorted } from '../stats/bootstrap';
import type { AttributionResult } from './result';
import { nestedProjection, netCross, projectSet, rhsDotTau, type NestedEffects, type NestedProjection, type ProjectedColumn, type SparseColumn } from './nested-projection';

export type { SparseColumn } from './nested-projection';

/** Options of {@link causalCredit}. */
export interface CausalCreditOptions {
  /** Outcome metric of the panel, e.g. `revenue`. */
  metric: string;
  /** Months since first completion whose outcomes are credited (the estimand's window). Default [1, 12]. */
  window?: [number, number];
  /** Seed of the bootstrap over employees. Default 1. */
  seed?: number;
  /** Bootstrap draws. Default 200. */
  draws?: number;
  /** Interval level. Default 0.95. */
  level?: number;
  /** Pairwise course interactions in the outcome model. Default true. */
  interactions?: boolean;
  /** An interaction is estimated only when at least this many employees took both courses. Default 20. */
  minPairEmployees?: number;
  /**
   * Months before the first completion that get their own indicator per
   * course, so that the months which triggered enrolment (a good or a bad
   * run) do not set the employee's baseline. Default 0 (the pre-run
   * control below does that job without dropping those months).
   */
  leads?: number;
  /**
   * Months before the first completion whose net outcome measures the run
   * that led to enrolment; each month of the window gets a slope on it, so a
   * run that would have persisted anyway is not credited to the course.
   * 0 turns the control off. Default 6.
   */
  preRunMonths?: number;
  /** Show a progress bar on stderr (default: only when stderr is a terminal). */
  progress?: boolean;
}

/** Causal credit: the incremental outcome each course caused, and its share. */
export interface CausalCreditResult extends AttributionResult {
  /** Incremental outcome per course over its treated employee-months, in the metric's units. */
  incremental: Record<string, number>;
  /** Bootstrap percentile interval of `incremental`. */
  intervals: Record<string, [number, number]>;
  /** Incremental outcome per treated employee-month (comparable to an ATT). */
  perMonth: Record<string, number>;
  /** Treated employee-months in the window, per course. */
  treatedMonths: Record<string, number>;
  /** Sum over courses, with its interval. */
  total: { incremental: number; interval: [number, number] };
  /** Estimated pairwise interactions per co-treated month, `A×B`. */
  interactions: Record<string, number>;
  /** Interval of each course's share. */
  shareIntervals: Record<string, [number, number]>;
}


/**
 * Controls that are slopes, not groups: tenure-month indicators (new hires
 * ramp up, and they take courses as they ramp) and the employee's prior
 * level × month indicators (season and market move a big seller's month more
 * than a small one's, which an additive employee effect cannot follow). The
 * prior level is the mean outcome before the employee's first completion of
 * any course (the role's mean when fewer than 3 such months).
 */
function nuisanceColumns(panel: Panel, y: Float64Array, rowsKept: number[]): SparseColumn[] {
  const n = rowsKept.length;
  const nEmp = panel.employees.length;
  const firstAny = new Int32Array(nEmp).fill(2147483647);
  for (const g of panel.firstCompletion) {
    for (let e = 0; e < nEmp; e++) if (g[e] !== -1) firstAny[e] = Math.min(firstAny[e], g[e] < -1 ? -2147483647 : g[e]);
  }
  const priorSum = new Float64Array(nEmp);
  const priorCount = new Float64Array(nEmp);
  const roleSum = new Float64Array(panel.roleLevels.length + 1);
  const roleCount = new Float64Array(panel.roleLevels.length + 1);
  for (const r of rowsKept) {
    const emp = panel.rowEmployee[r];
    roleSum[panel.role[emp] + 1] += y[r];
    roleCount[panel.role[emp] + 1]++;
    if (panel.rowPeriod[r] < firstAny[emp]) {
      priorSum[emp] += y[r];
      priorCount[emp]++;
    }
  }
  const prior = new Float64Array(nEmp);
  for (let e = 0; e < nEmp; e++) {
    const role = panel.role[e] + 1;
    prior[e] = priorCount[e] >= 3 ? priorSum[e] / priorCount[e] : roleCount[role] > 0 ? roleSum[role] / roleCount[role] : 0;
  }
  const out: SparseColumn[] = [];
  const T = panel.periods.length;
  const byPeriod = Array.from({ length: T }, () => new ColumnBuilder());
  // New hires ramp up at a pace in proportion to their role's scale: tenure months by role.
  const tenureMonths = 12;
  const nRoles = panel.roleLevels.length + 1;
  const byTenure = Array.from({ length: tenureMonths * nRoles }, () => new ColumnBuilder());
  const used = new Uint8Array(T);
  const usedTenure = new Uint8Array(tenureMonths * nRoles);
  for (let i = 0; i < n; i++) {
    const r = rowsKept[i];
    const emp = panel.rowEmployee[r];
    const t = panel.rowPeriod[r];
    byPeriod[t].add(i, prior[emp]);
    used[t] = 1;
    const tenure = t - panel.hirePeriod[emp];
    if (tenure >= 0 && tenure < tenureMonths) {
      const cellIndex = (panel.role[emp] + 1) * tenureMonths + tenure;
      byTenure[cellIndex].add(i, 1);
      usedTenure[cellIndex] = 1;
    }
  }
  // The first period's slope is the reference level (the employee effect carries it).
  let first = true;
  for (let t = 0; t < T; t++) {
    if (!used[t]) continue;
    if (first) {
      first = false;
      continue;
    }
    out.push(byPeriod[t].build());
  }
  for (let k = 0; k < tenureMonths * nRoles; k++) if (usedTenure[k]) out.push(byTenure[k].build());
  return out;
}


class ColumnBuilder {
  private rows: number[] = [];
  private values: number[] = [];
  /** Adds row i (rows come in increasing order); a zero value is left out. */
  add(i: number, v: number): void {
    if (v === 0) return;
    this.rows.push(i);
    this.values.push(v);
  }
  build(): SparseColumn {
    return { rows: Int32Array.from(this.rows), values: Float64Array.from(this.values) };
  }
}

/** Bootstrap draws worked together in one pass over the employees' scores. */
const DRAW_BLOCK = 8;

/** Memory for the dense copies demeaned at once (a batch of columns). */
const DEMEAN_BATCH_BYTES = 256 * 1024 * 1024;

// The employee and role × region × month effects, as they nest: an employee keeps one role and region,
// so the two sets of effects split into one employee × month problem per role × region group, each solved
// exactly (a months × months system) instead of by alternating projections over the whole panel.
function nestedEffects(unit: Int32Array, group: Int32Array, month: Int32Array, nMonths: number): NestedEffects {
  const n = unit.length;
  const rowsOf = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    let list = rowsOf.get(group[i]);
    if (!list) rowsOf.set(group[i], (list = []));
    list.push(i);
  }
  const groups = [...rowsOf.keys()].sort((a, b) => a - b).map((g) => {
    const rows = Int32Array.from(rowsOf.get(g) as number[]);
    const code = new Map<number, number>();
    const u = Int32Array.from(rows, (i) => {
      let c = code.get(unit[i]);
      if (c === undefined) code.set(unit[i], (c = code.size));
      return c;
    });
    return { rows, unit: u, nUnits: code.size, month: Int32Array.from(rows, (i) => month[i]) };
  });
  const rowCell = new Int32Array(n);
  groups.forEach((g, k) => g.rows.forEach((i) => (rowCell[i] = k * nMonths + month[i])));
  return { nMonths, groups, rowCell };
}

/**
 * Each column net of the employee and role × region × month effects, in
 * place. With `effects`, column c's month effects in each group go to
 * effects[c] at the group's cells (see NestedEffects.rowCell). True when
 * every group was solved exactly (a group whose employees and months fall
 * apart is demeaned by alternating projections and has no such effects).
 */
function demeanNested(columns: Float64Array[], fe: NestedEffects, effects?: Float64Array[]): boolean {
  let exact = true;
  const T = fe.nMonths;
  // One buffer per column, as long as the largest group, reused group after group.
  const longest = fe.groups.reduce((most, g) => Math.max(most, g.rows.length), 0);
  const buffers = columns.map(() => new Float64Array(longest));
  fe.groups.forEach((g, k) => {
    const m = g.rows.length;
    const rows = g.rows;
    const sub = columns.map((col, c) => {
      const s = buffers[c].subarray(0, m);
      for (let r = 0; r < m; r++) s[r] = col[rows[r]];
      return s;
    });
    const tau = effects ? columns.map((_, c) => effects[c].subarray(k * T, (k + 1) * T)) : undefined;
    if (demeanTwoWay(sub, g.unit, g.nUnits, g.month, T, { solve: 'exact', periodEffects: tau }).method !== 'exact') exact = false;
    sub.forEach((s, c) => {
      const col = columns[c];
      for (let r = 0; r < m; r++) col[rows[r]] = s[r];
    });
  });
  return exact;
}

/**
 * Demeans the columns a batch at a time (dense copies of the sparse ones, so
 * that no more than a batch is ever dense) and hands each demeaned column to
 * `use` with its index; `effects` and the result as in {@link demeanNested}.
 */
function eachDemeaned(columns: SparseColumn[], n: number, fe: NestedEffects, use: (j: number, demeaned: Float64Array) => void, effects?: Float64Array[]): boolean {
  let exact = true;
  const batch = Math.max(1, Math.floor(DEMEAN_BATCH_BYTES / (8 * Math.max(1, n))));
  const dense = Array.from({ length: Math.min(batch, columns.length) }, () => new Float64Array(n));
  for (let from = 0; from < columns.length; from += batch) {
    const to = Math.min(columns.length, from + batch);
    const cols = dense.slice(0, to - from);
    for (let j = from; j < to; j++) {
      const d = cols[j - from];
      d.fill(0);
      const { rows, values } = columns[j];
      for (let r = 0; r < rows.length; r++) d[rows[r]] = values[r];
    }
    if (!demeanNested(cols, fe, effects?.slice(from, to))) exact = false;
    for (let j = from; j < to; j++) use(j, cols[j - from]);
  }
  return exact;
}

/** v += c·x for a sparse column x. */
function axpySparse(v: Float64Array, c: number, x: SparseColumn): void {
  const { rows, values } = x;
  for (let r = 0; r < rows.length; r++) v[rows[r]] += c * values[r];
}

/**
 * The Cholesky factor of a cross-product matrix G (q0×q0), leaving out each
 * column that depends on earlier ones (`onDrop` is told which), and a solve
 * that gives the coefficients of all q0 columns (0 for one left out).
 */
function factorKeeping(G: Float64Array, q0: number, tol?: number, onDrop?: (j: number) => void): { kept: number[]; solve(rhs: Float64Array): Float64Array } {
  let kept = Array.from({ length: q0 }, (_, j) => j);
  for (;;) {
    const q = kept.length;
    const A = new Float64Array(q * q);
    kept.forEach((j, a) => kept.forEach((k, c) => (A[a * q + c] = G[j * q0 + k])));
    const f = choleskyScaled(A, q, tol);
    if ('dependent' in f) {
      const gone = kept[f.dependent];
      onDrop?.(gone);
      kept = kept.filter((j) => j !== gone);
      continue;
    }
    const use = kept;
    return {
      kept: use,
      solve(rhs: Float64Array): Float64Array {
        const sol = choleskySolve(f, Float64Array.from(use, (j) => rhs[j]), q);
        const out = new Float64Array(q0);
        use.forEach((j, a) => (out[j] = sol[a]));
        return out;
      },
    };
  }
}

/** Σ over a sparse column's rows of its values times v. */
function sparseDot(c: SparseColumn, v: Float64Array): number {
  const { rows, values } = c;
  let s = 0;
  for (let r = 0; r < rows.length; r++) s += values[r] * v[rows[r]];
  return s;
}

/** What a fitting core of causal credit works on: the observed employee-months and their effects. */
export interface CreditProblem {
  n: number;
  /** Each row's employee (0..nUnits − 1), role × region group and month. */
  unit: Int32Array;
  nUnits: number;
  group: Int32Array;
  month: Int32Array;
  nMonths: number;
  /** The outcome. */
  y: Float64Array;
  /** The slope controls (prior level × month, tenure months by role). */
  nuisance: SparseColumn[];
}

/**
 * A fitting core: the least-squares steps of causal credit with the
 * employee and role × region × month effects absorbed and the nuisance
 * partialled out. Called in this order: netOutcome, normalEquations, scores.
 */
export interface CreditFitter {
  /** The outcome net of the effects and the nuisance (its pre-completion mean is the run that led to enrolment). */
  netOutcome(): Float64Array;
  /** XᵀX and Xᵀy of the course columns, all net of the effects and the nuisance (p×p row-major, p). */
  normalEquations(cols: SparseColumn[]): { G: Float64Array; b: Float64Array };
  /** Per employee, Σ over its months of each net course column times the residual at `coef` (nUnits × p). */
  scores(coef: Float64Array): Float64Array;
}

// The cross-products the fitting core needs, all net of the employee and cell effects: of the outcome
// and the nuisance columns (built at once), then of the course columns with all three; with each column's
// month effects per cell (for the scores) and whether every group's effects were solved exactly.
interface NetProducts {
  GN: Float64Array;
  GNy: Float64Array;
  effectsN: Float64Array[];
  exact: boolean;
  courses(cols: SparseColumn[]): { GX: Float64Array; GXy: Float64Array; GXN: Float64Array; effectsX: Float64Array[]; exact: boolean };
}

// Through the projection's cross-product form: per-row, per-employee and per-cell sums of the sparse
// columns, no dense pass (see NestedProjection).
function projectedProducts(problem: CreditProblem, proj: NestedProjection): NetProducts {
  const { n, nUnits, nuisance } = problem;
  const yRaw = problem.y;
  const py = proj.project({ rows: Int32Array.from({ length: n }, (_, i) => i), values: yRaw });
  // Each employee's mean outcome: Σ_u A_u·Y_u / n_u = Σ_u A_u·ȳ_u.
  const yMean = new Float64Array(nUnits);
  py.units.forEach((u, k) => (yMean[u] = py.sums[k] / proj.count[u]));
  // aᵀM y for a sparse column a.
  const withY = (col: SparseColumn, pc: ProjectedColumn): number => {
    let raw = 0;
    for (let r = 0; r < col.rows.length; r++) raw += col.values[r] * yRaw[col.rows[r]];
    let byUnitSum = 0;
    for (let k = 0; k < pc.units.length; k++) byUnitSum += pc.sums[k] * yMean[pc.units[k]];
    return raw - byUnitSum - rhsDotTau(pc, py);
  };
  const setN = projectSet(nuisance, n, proj);
  const pN = setN.projected;
  const GN = netCross(setN, setN);
  const GNy = Float64Array.from(nuisance, (c, a) => withY(c, pN[a]));
  return {
    GN,
    GNy,
    effectsN: pN.map((pc) => pc.tau),
    exact: true,
    courses(cols: SparseColumn[]) {
      const setX = projectSet(cols, n, proj);
      const pX = setX.projected;
      const GX = netCross(setX, setX);
      const GXN = netCross(setX, setN); // [j·nq + a] = X_jᵀ M N_a
      const GXy = Float64Array.from(cols, (c, j) => withY(c, pX[j]));
      return { GX, GXy, GXN, effectsX: pX.map((pc) => pc.tau), exact: true };
    },
  };
}

// By demeaning: sparse columns made dense and demeaned a batch at a time (effects solved per role ×
// region group, by alternating projections where the exact solve refuses a group), cross-products as
// raw·demeaned (M is a projection, so (Ma)ᵀ(Mb) = aᵀ(Mb)): sparse sums over the raw column's rows.
function demeanedProducts(problem: CreditProblem, fe: NestedEffects): NetProducts {
  const { n, nuisance } = problem;
  const yRaw = problem.y;
  const nq = nuisance.length;
  const GN = new Float64Array(nq * nq);
  const GNy = new Float64Array(nq);
  const cells = fe.groups.length * problem.nMonths;
  const effectsN = Array.from({ length: nq }, () => new Float64Array(cells));
  const exact = eachDemeaned(
    [{ rows: Int32Array.from({ length: n }, (_, i) => i), values: yRaw }, ...nuisance],
    n,
    fe,
    (j, v) => {
      if (j === 0) {
        for (let a = 0; a < nq; a++) GNy[a] = sparseDot(nuisance[a], v);
        return;
      }
      for (let a = 0; a < j; a++) GN[(j - 1) * nq + a] = GN[a * nq + j - 1] = sparseDot(nuisance[a], v);
    },
    [new Float64Array(cells), ...effectsN],
  );
  return {
    GN,
    GNy,
    effectsN,
    exact,
    courses(cols: SparseColumn[]) {
      const p = cols.length;
      const GX = new Float64Array(p * p);
      const GXy = new Float64Array(p);
      const GXN = new Float64Array(p * nq);
      const effectsX = cols.map(() => new Float64Array(cells));
      const exactX = eachDemeaned(
        cols,
        n,
        fe,
        (j, v) => {
          let s = 0;
          for (let i = 0; i < n; i++) s += yRaw[i] * v[i];
          GXy[j] = s;
          for (let a = 0; a < nq; a++) GXN[j * nq + a] = sparseDot(nuisance[a], v);
          for (let k = 0; k <= j; k++) GX[j * p + k] = GX[k * p + j] = sparseDot(cols[k], v);
        },
        effectsX,
      );
      return { GX, GXy, GXN, effectsX, exact: exactX };
    },
  };
}

/**
 * The library's fitting core: cross-products of the sparse columns net of
 * the employee and role × region × month effects in the projection's
 * cross-product form (see NestedProjection: per-row, per-employee and
 * per-cell sums, no dense pass; where a group's effects cannot be solved
 * exactly, columns demeaned a batch at a time instead), the nuisance
 * partialled out in cross-product form (G = XᵀMX − XᵀMN·Θ,
 * Θ = (NᵀMN)⁻¹NᵀMX), and the scores from each column's month effects (see
 * netScores) with the nuisance's share taken off through Θ.
 *
 * @example
 * causalCreditWith(panel, opts, sparseFitter);
 */
export function sparseFitter(problem: CreditProblem): CreditFitter {
  const { n, unit, nUnits, nuisance } = problem;
  const yRaw = problem.y;
  const fe = nestedEffects(unit, problem.group, problem.month, problem.nMonths);
  const nq = nuisance.length;
  const proj = nestedProjection(unit, nUnits, fe);
  const products = proj !== null ? projectedProducts(problem, proj) : demeanedProducts(problem, fe);
  const { GN, GNy, effectsN } = products;
  let exact = products.exact;
  const cells = fe.groups.length * problem.nMonths;
  let effectsX: Float64Array[] = [];
  // The nuisance columns kept (a column dependent on earlier ones is left out) and their factor.
  const partial = factorKeeping(GN, nq, 1e-9);
  // θ_y, the outcome's nuisance coefficients; Θ (nq × p, [a·p + j]) the course columns'.
  const thetaY = partial.solve(GNy);
  let cols: SparseColumn[] = [];
  let Theta = new Float64Array(0);
  // Per employee, Σ over its months of each net course column X̃ = MX − MNΘ times the residuals: [u·p + j].
  // A demeaned column is the column less an employee constant and its cell's month effect τ, and the
  // residuals sum to zero over each employee's months (the employee effects are among those absorbed), so
  // the constant drops out: Σ_u (Mx)ᵢeᵢ = Σ_u xᵢeᵢ − Σ_u τ_cell(i)·eᵢ. With X̃'s month effects
  // τ̃ = τ_X − τ_N·Θ by cell, that is each course column's own rows, each nuisance entry through its row
  // of Θ, and one pass over the rows with τ̃. Without every group's month effects (a group the exact
  // solve refused), the columns are demeaned again instead.
  const netScores = (resid: Float64Array, withEffects: boolean): Float64Array => {
    const p = cols.length;
    const score = new Float64Array(nUnits * p);
    if (!withEffects) {
      const all = [...nuisance, ...cols];
      const C = all.length;
      const S = new Float64Array(nUnits * C);
      eachDemeaned(all, n, fe, (c, v) => {
        for (let i = 0; i < n; i++) S[unit[i] * C + c] += v[i] * resid[i];
      });
      for (let u = 0; u < nUnits; u++) {
        const at = u * C;
        for (let j = 0; j < p; j++) score[u * p + j] = S[at + nq + j];
        for (let a = 0; a < nq; a++) {
          const t = S[at + a];
          if (t === 0) continue;
          for (let j = 0; j < p; j++) score[u * p + j] -= t * Theta[a * p + j];
        }
      }
      return score;
    }
    // τ̃ by cell, the course columns side by side: [cell·p + j].
    const tauNet = new Float64Array(cells * p);
    effectsX.forEach((tau, j) => {
      for (let k = 0; k < cells; k++) tauNet[k * p + j] = tau[k];
    });
    effectsN.forEach((tau, a) => {
      for (let k = 0; k < cells; k++) {
        const t = tau[k];
        if (t === 0) continue;
        for (let j = 0; j < p; j++) tauNet[k * p + j] -= t * Theta[a * p + j];
      }
    });
    cols.forEach((col, j) => {
      const { rows, values } = col;
      for (let r = 0; r < rows.length; r++) score[unit[rows[r]] * p + j] += values[r] * resid[rows[r]];
    });
    nuisance.forEach((col, a) => {
      const { rows, values } = col;
      const th = a * p;
      for (let r = 0; r < rows.length; r++) {
        const ve = values[r] * resid[rows[r]];
        if (ve === 0) continue;
        const at = unit[rows[r]] * p;
        for (let j = 0; j < p; j++) score[at + j] -= ve * Theta[th + j];
      }
    });
    const rowCell = fe.rowCell;
    for (let i = 0; i < n; i++) {
      const e = resid[i];
      if (e === 0) continue;
      const at = unit[i] * p;
      const from = rowCell[i] * p;
      for (let j = 0; j < p; j++) score[at + j] -= tauNet[from + j] * e;
    }
    return score;
  };
  return {
    netOutcome(): Float64Array {
      // M(y − Nθ_y).
      const yw = Float64Array.from(yRaw);
      for (let a = 0; a < nq; a++) axpySparse(yw, -thetaY[a], nuisance[a]);
      demeanNested([yw], fe);
      return yw;
    },
    normalEquations(columns: SparseColumn[]): { G: Float64Array; b: Float64Array } {
      cols = columns;
      const p = cols.length;
      const net = products.courses(cols);
      const { GX, GXy, GXN } = net;
      effectsX = net.effectsX;
      exact = exact && net.exact;
      Theta = new Float64Array(nq * p);
      for (let j = 0; j < p; j++) {
        const t = partial.solve(GXN.subarray(j * nq, (j + 1) * nq));
        for (let a = 0; a < nq; a++) Theta[a * p + j] = t[a];
      }
      const G = new Float64Array(p * p);
      const b = new Float64Array(p);
      for (let j = 0; j < p; j++) {
        let t = GXy[j];
        for (let a = 0; a < nq; a++) t -= GXN[j * nq + a] * thetaY[a];
        b[j] = t;
        for (let k = j; k < p; k++) {
          let u = GX[j * p + k];
          for (let a = 0; a < nq; a++) u -= GXN[j * nq + a] * Theta[a * p + k];
          G[j * p + k] = u;
          G[k * p + j] = u;
        }
      }
      return { G, b };
    },
    scores(coef: Float64Array): Float64Array {
      const p = cols.length;
      // Residuals M(y − Xβ − Nγ), γ = θ_y − Θβ the nuisance coefficients at β.
      const resid = Float64Array.from(yRaw);
      for (let j = 0; j < p; j++) if (coef[j] !== 0) axpySparse(resid, -coef[j], cols[j]);
      for (let a = 0; a < nq; a++) {
        let gamma = thetaY[a];
        for (let j = 0; j < p; j++) gamma -= Theta[a * p + j] * coef[j];
        if (gamma !== 0) axpySparse(resid, -gamma, nuisance[a]);
      }
      const exactE = demeanNested([resid], fe);
      return netScores(resid, exact && exactE);
    },
  };
}

/**
 * Causal credit for learning journeys: the value of a set of courses is its
 * causal effect on the metric, and Shapley values split each employee-month's
 * effect over the courses in its window.
 *
 * The outcome model, on observed employee-months:
 *   y_it = Σ_k β_{k,e} W_{k,e,it} + Σ_{k<l} γ_kl W_kit W_lit + controls + α_i + δ_{cell(i),t} + ε_it
 * where W_{k,e,it} = 1 when month t is e months (e in the window, 1..12) after
 * employee i's first completion of course k: one effect per month since
 * completion, so effects may ramp up or fade without early-treated months
 * acting as controls for later ones. Selection is controlled by the employee
 * effect α_i (ability, level, everything fixed about the person), the
 * employee's prior level × month (a big seller's Q4 peak is bigger), tenure
 * months by role (new hires ramp up) and, per course and month of the window,
 * a slope on the employee's net outcome over the 6 months before completion
 * (the good or bad run that led to enrolment persists for a while, and is not
 * the course's doing; one slope for each of the window's first three months,
 * one for the rest). Timing is controlled by a role × region × month effect
 * δ (season, market, regional roll-outs). The month of completion and months
 * after the window have their own indicators. α and δ are absorbed exactly
 * (an employee keeps one role and region, so they split into one employee ×
 * month problem per role × region group), the slope controls partialled out
 * (Frisch–Waugh–Lovell, in cross-product form), and β, γ solved from the
 * normal equations (Cholesky). The columns are kept sparse and their
 * cross-products net of α and δ come from per-row, per-employee and
 * per-month sums (see NestedProjection), so neither time nor memory grows
 * with a dense copy of the design.
 *
 * A window month with course set S has effect v(S) = Σ_{k∈S} β_{k,e_k} +
 * Σ_{k<l∈S} γ_kl: an additive game plus two-player unanimity games, whose
 * exact Shapley split gives course k β_{k,e_k} + ½ Σ_{l∈S} γ_kl. Summed over
 * months, that is each course's incremental outcome; the shares of the total
 * are the credit. Intervals resample employees (seeded) through a one-step
 * linearisation around the full fit, with the absorbed effects held at their
 * full-sample values.
 *
 * Known limit: selection on a transient run is only partly removed. On the
 * sample company (seed 7) every course's true total lies in its interval but
 * the remedial course C02's (assigned after a bad quarter), which is credited
 * with 2.2–5.5 M against a true 1.2 M; read the intervals of courses given to
 * people after a good or bad spell with that in mind.
 *
 * @example
 * const res = causalCredit(panel, { metric: 'revenue', seed: 7, draws: 200 });
 * res.incremental.C01; // => total extra revenue C01 caused in its window
 * res.intervals.C01;   // => [low, high], 95 %
 */
export function causalCredit(panel: Panel, opts: CausalCreditOptions): CausalCreditResult {
  return causalCreditWith(panel, opts, sparseFitter);
}

/**
 * {@link causalCredit} with another fitting core: for tests, which hold the
 * library's (sparse columns, exact nested demeaning) to a direct dense one.
 *
 * @example
 * causalCreditWith(panel, { metric: 'revenue' }, sparseFitter); // => causalCredit(panel, { metric: 'revenue' })
 */
export function causalCreditWith(panel: Panel, opts: CausalCreditOptions, makeFitter: (problem: CreditProblem) => CreditFitter): CausalCreditResult {
  const y = panel.metrics[opts.metric];
  if (!y) {
    throw new DataError(`causalCredit: no metric \`${opts.metric}\`; the metrics are ${panel.metricNames.join(', ')}`, { column: opts.metric });
  }
  const [w0, w1] = opts.window ?? [1, 12];
  if (!Number.isInteger(w0) || !Number.isInteger(w1) || w0 < 0 || w0 > w1) {
    throw new RangeError(`causalCredit: \`window\` must be integers 0 <= w0 <= w1, got [${w0}, ${w1}]`);
  }
  const draws = opts.draws ?? 200;
  if (!Number.isInteger(draws) || draws < 10) throw new RangeError(`causalCredit: \`draws\` must be an integer >= 10, got ${draws}`);
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`causalCredit: \`level\` must be in (0, 1), got ${level}`);
  const minPair = opts.minPairEmployees ?? 20;
  const leads = opts.leads ?? 0;
  const preRunMonths = opts.preRunMonths ?? 6;
  if (!Number.isInteger(preRunMonths) || preRunMonths < 0 || preRunMonths > 24) {
    throw new RangeError(`causalCredit: \`preRunMonths\` must be an integer in 0..24, got ${preRunMonths}`);
  }
  if (!Number.isInteger(leads) || leads < 0 || leads > 24) throw new RangeError(`causalCredit: \`leads\` must be an integer in 0..24, got ${leads}`);
  const K = panel.courses.length;
  if (K === 0) throw new DataError('causalCredit: the panel has no courses');
  if (K > 25) throw new RangeError(`causalCredit: at most 25 courses, got ${K}`);
  const notes: string[] = [];

  // Observed rows only.
  const rowsKept: number[] = [];
  for (let r = 0; r < panel.nRows; r++) if (!Number.isNaN(y[r])) rowsKept.push(r);
  const n = rowsKept.length;
  if (n === 0) throw new DataError(`causalCredit: the metric \`${opts.metric}\` has no observed value`, { column: opts.metric });

  // Absorb employee and role × region × month effects. An employee keeps one role and region, so the
  // employees nest in the role × region groups, within which the cells are the months.
  const unit = new Int32Array(n);
  const group = new Int32Array(n);
  const month = new Int32Array(n);
  const nRegions = panel.regionLevels.length + 1;
  const unitCode = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = rowsKept[i];
    const emp = panel.rowEmployee[r];
    let u = unitCode.get(emp);
    if (u === undefined) {
      u = unitCode.size;
      unitCode.set(emp, u);
    }
    unit[i] = u;
    group[i] = (panel.role[emp] + 1) * nRegions + (panel.region[emp] + 1);
    month[i] = panel.rowPeriod[r];
  }
  // The outcome net of every control but the courses: its mean over the months just before a
  // completion says how unusual the run was that led to enrolment (a good run for a
  // self-selected course, a bad one for a remedial plan). Runs persist for a few months, so
  // each month of the window gets a slope on it; the course effect is read at a usual run.
  const nuisance = nuisanceColumns(panel, y, rowsKept);
  const fitter = makeFitter({ n, unit, nUnits: unitCode.size, group, month, nMonths: panel.periods.length, y: Float64Array.from(rowsKept, (r) => y[r]), nuisance });
  const yw = fitter.netOutcome();
  // The row of each employee-month, −1 where it is not observed.
  const T = panel.periods.length;
  const rowAt = new Int32Array(panel.employees.length * T).fill(-1);
  for (let i = 0; i < n; i++) rowAt[panel.rowEmployee[rowsKept[i]] * T + panel.rowPeriod[rowsKept[i]]] = i;

  // Indicators per course: one per month e of the window (effects may grow or fade, and a
  // single window dummy would let early-treated months act as controls for later ones),
  // one for the months before the window (0..w0−1) and one for the months after it.
  const eventTime = Array.from({ length: K }, () => new Int32Array(n).fill(-1)); // e when in the window, else −1
  const cols: SparseColumn[] = [];
  const colNames: string[] = [];
  const windowCol: Int32Array[] = []; // [k][e − w0] → column index, −1 when that month has no row
  for (let k = 0; k < K; k++) {
    const g = panel.firstCompletion[k];
    const byE = Array.from({ length: w1 - w0 + 1 }, () => new ColumnBuilder());
    const before = new ColumnBuilder();
    const after = new ColumnBuilder();
    let anyBefore = false;
    let anyAfter = false;
    const anyE = new Uint8Array(w1 - w0 + 1);
    const lead = Array.from({ length: leads }, () => new ColumnBuilder());
    const anyLead = new Uint8Array(leads);
    for (let i = 0; i < n; i++) {
      const r = rowsKept[i];
      const gk = g[panel.rowEmployee[r]];
      if (gk === -1) continue;
      if (gk < -1) {
        after.add(i, 1); // completed before the data: long past the window
        anyAfter = true;
        continue;
      }
      const e = panel.rowPeriod[r] - gk;
      if (e < -leads) continue;
      if (e < 0) {
        lead[-e - 1].add(i, 1);
        anyLead[-e - 1] = 1;
        continue;
      }
      if (e < w0) {
        before.add(i, 1);
        anyBefore = true;
      } else if (e <= w1) {
        byE[e - w0].add(i, 1);
        anyE[e - w0] = 1;
        eventTime[k][i] = e;
      } else {
        after.add(i, 1);
        anyAfter = true;
      }
    }
    for (let j = 0; j < leads; j++) {
      if (!anyLead[j]) continue;
      cols.push(lead[j].build());
      colNames.push(`${panel.courses[k]}:lead${j + 1}`);
    }
    const idx = new Int32Array(w1 - w0 + 1).fill(-1);
    for (let e = w0; e <= w1; e++) {
      if (!anyE[e - w0]) continue;
      idx[e - w0] = cols.length;
      cols.push(byE[e - w0].build());
      colNames.push(`${panel.courses[k]}@${e}`);
    }
    windowCol.push(idx);
    // Pre-run of each treated employee: mean net outcome over the months g−preRunMonths..g−1.
    const preRun = new Float64Array(panel.employees.length);
    for (let emp = 0; emp < panel.employees.length; emp++) {
      const gk = g[emp];
      if (gk < 0) continue;
      let sum = 0;
      let count = 0;
      for (let t = gk - preRunMonths; t < gk; t++) {
        if (t < 0) continue;
        const i = rowAt[emp * T + t];
        if (i < 0) continue;
        sum += yw[i];
        count++;
      }
      preRun[emp] = count > 0 ? sum / count : 0;
    }
    // A run fades within a few months: its own slope for each of the first three months of the
    // window, one shared slope after that.
    if (preRunMonths > 0) {
      // Slope s takes the months e = w0 + s (s < 3), the last one e = w0 + 3 .. w1.
      const slopes = [0, 1, 2, 3].map(() => new ColumnBuilder());
      const anySlope = new Uint8Array(4);
      for (let i = 0; i < n; i++) {
        const e = eventTime[k][i];
        if (e < 0) continue;
        const s = Math.min(e - w0, 3);
        slopes[s].add(i, preRun[panel.rowEmployee[rowsKept[i]]]);
        anySlope[s] = 1;
      }
      for (let s = 0; s < 4 && w0 + s <= w1; s++) {
        if (!anySlope[s]) continue;
        cols.push(slopes[s].build());
        colNames.push(`${panel.courses[k]}@${w0 + s}-${s < 3 ? w0 + s : w1}×prerun`);
      }
    }
    if (anyBefore) {
      cols.push(before.build());
      colNames.push(`${panel.courses[k]}:before`);
    }
    if (anyAfter) {
      cols.push(after.build());
      colNames.push(`${panel.courses[k]}:after`);
    }
  }
  const pairs: [number, number][] = [];
  const pairColumn: number[] = [];
  if (opts.interactions ?? true) {
    // Every pair's months in one pass over the rows: the courses a row is in the window of, then their pairs.
    const both = Array.from({ length: K * K }, () => new ColumnBuilder());
    const people = Array.from({ length: K * K }, () => new Set<number>());
    const inWindow = new Int32Array(K);
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let k = 0; k < K; k++) if (eventTime[k][i] >= 0) inWindow[m++] = k;
      for (let a = 0; a < m; a++) {
        for (let b = a + 1; b < m; b++) {
          const pair = inWindow[a] * K + inWindow[b];
          both[pair].add(i, 1);
          people[pair].add(panel.rowEmployee[rowsKept[i]]);
        }
      }
    }
    for (let k = 0; k < K; k++) {
      for (let l = k + 1; l < K; l++) {
        if (people[k * K + l].size < minPair) continue;
        pairs.push([k, l]);
        pairColumn.push(cols.length);
        cols.push(both[k * K + l].build());
        colNames.push(`${panel.courses[k]}×${panel.courses[l]}`);
      }
    }
    notes.push(`${pairs.length} course pairs taken together by at least ${minPair} employees have their own interaction; other pairs add up`);
  }
  const pairOf = new Int32Array(K * K).fill(-1);
  pairs.forEach(([k, l], q) => {
    pairOf[k * K + l] = pairColumn[q];
    pairOf[l * K + k] = pairColumn[q];
  });

  // Normal equations of the course columns net of the employee and cell effects and of the nuisance.
  const p = cols.length;
  const { G, b } = fitter.normalEquations(cols);
  // Columns with no variation left after the controls are dropped (coefficient 0).
  const { solve: solveActive } = factorKeeping(G, p, undefined, (j) => notes.push(`column ${colNames[j]} has no variation left after the controls and is dropped`));
  const coef = solveActive(b);

  // Each window month's effect v(S) = Σ β_{k,e_k} + Σ γ_kl is an additive game plus two-player
  // unanimity games, so its Shapley split is exact in closed form: course k gets β_{k,e_k} + ½ Σ_l γ_kl.
  // That split is linear in the coefficients. A "slot" is one (course, coefficient) pair that can
  // carry credit; per employee we count how often each slot is used (½ for a shared pair).
  const slotCourse: number[] = [];
  const slotColumn: number[] = [];
  const mainSlot = windowCol.map((idx, k) =>
    Int32Array.from(idx, (col) => {
      if (col < 0) return -1;
      slotCourse.push(k);
      slotColumn.push(col);
      return slotCourse.length - 1;
    }),
  );
  const pairSlot = new Int32Array(K * K).fill(-1); // [k·K + l] → slot of course k's half of γ_kl
  pairs.forEach(([k, l], q) => {
    for (const [a, b2] of [[k, l], [l, k]]) {
      pairSlot[a * K + b2] = slotCourse.length;
      slotCourse.push(a);
      slotColumn.push(pairColumn[q]);
    }
  });
  const nSlots = slotCourse.length;
  const nUnits = unitCode.size;
  const slotUse = new Float64Array(nUnits * nSlots);
  const treated = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const off = unit[i] * nSlots;
    for (let k = 0; k < K; k++) {
      const e = eventTime[k][i];
      if (e < 0) continue;
      treated[k]++;
      const main = mainSlot[k][e - w0];
      if (main >= 0) slotUse[off + main] += 1;
      for (let l = 0; l < K; l++) {
        if (l === k || eventTime[l][i] < 0) continue;
        const ps = pairSlot[k * K + l];
        if (ps >= 0) slotUse[off + ps] += 0.5;
      }
    }
  }
  // The same by pattern: employees whose rows of slotUse are equal (the same courses over the same months
  // of their windows) share one, so a draw adds up its multiplicities per pattern and then spreads each
  // pattern's sum over its few slots. Most employees use no slot (pattern −1). The sums are of whole
  // multiplicities times halves, exact in any order.
  const patternOf = new Int32Array(nUnits).fill(-1);
  const patStart: number[] = [0];
  const patSlot: number[] = [];
  const patValue: number[] = [];
  const slotTotal = new Float64Array(nSlots);
  {
    const known = new Map<string, number>();
    for (let u = 0; u < nUnits; u++) {
      let key = '';
      for (let t = 0; t < nSlots; t++) {
        const v = slotUse[u * nSlots + t];
        if (v === 0) continue;
        key += `${t}:${v},`;
        slotTotal[t] += v;
      }
      if (key === '') continue;
      let id = known.get(key);
      if (id === undefined) {
        id = known.size;
        known.set(key, id);
        for (let t = 0; t < nSlots; t++) {
          const v = slotUse[u * nSlots + t];
          if (v === 0) continue;
          patSlot.push(t);
          patValue.push(v);
        }
        patStart.push(patSlot.length);
      }
      patternOf[u] = id;
    }
  }
  const nPatterns = patStart.length - 1;
  const incrementalOf = (c: Float64Array, use: Float64Array, out: Float64Array): void => {
    out.fill(0);
    for (let t = 0; t < nSlots; t++) out[slotCourse[t]] += use[t] * c[slotColumn[t]];
  };
  const incremental = new Float64Array(K);
  incrementalOf(coef, slotTotal, incremental);

  // Per-employee scores X̃_uᵀ e_u for the bootstrap (X̃ the course columns net of the controls, e the residuals).
  const score = fitter.scores(coef);

  // Bootstrap over employees, linearised: a draw with multiplicities m_u moves the coefficients by
  // (XᵀX)⁻¹ Σ (m_u − 1) s_u (one Newton step from the full fit, exact to first order) and reweights
  // the months to allocate; the absorbed effects stay at their full-sample values.
  const rng = createRng(opts.seed ?? 1);
  const bootInc = Array.from({ length: K }, () => new Float64Array(draws));
  const bootShare = Array.from({ length: K }, () => new Float64Array(draws));
  const bootTotal = new Float64Array(draws);
  // Draws go in blocks, so that each employee's scores are read once per block rather than once per draw;
  // each draw's sums still add the employees in order.
  const block = Math.min(DRAW_BLOCK, draws);
  const mults = Array.from({ length: block }, () => new Float64Array(nUnits));
  const shifts = new Float64Array(block * p);
  const uses = new Float64Array(block * nSlots);
  const patternDraws = new Float64Array(block * nPatterns);
  const incDraw = new Float64Array(K);
  const bar = progressBar('causal credit bootstrap', draws, opts.progress);
  for (let d0 = 0; d0 < draws; d0 += block) {
    const nb = Math.min(block, draws - d0);
    for (let b = 0; b < nb; b++) {
      const mult = mults[b];
      mult.fill(0);
      for (let u = 0; u < nUnits; u++) mult[rng.int(nUnits)] += 1;
    }
    shifts.fill(0);
    uses.fill(0);
    patternDraws.fill(0);
    for (let u = 0; u < nUnits; u++) {
      const so = u * p;
      for (let b = 0; b < nb; b++) {
        // Σ (m_u − 1)·s_u over employees: an employee drawn once (about a third of them) adds nothing.
        const dm = mults[b][u] - 1;
        if (dm === 0) continue;
        const sh = b * p;
        for (let j = 0; j < p; j++) shifts[sh + j] += dm * score[so + j];
      }
      const pat = patternOf[u];
      if (pat >= 0) for (let b = 0; b < nb; b++) patternDraws[b * nPatterns + pat] += mults[b][u];
    }
    for (let b = 0; b < nb; b++) {
      for (let pat = 0; pat < nPatterns; pat++) {
        const m = patternDraws[b * nPatterns + pat];
        if (m === 0) continue;
        for (let k = patStart[pat]; k < patStart[pat + 1]; k++) uses[b * nSlots + patSlot[k]] += m * patValue[k];
      }
    }
    for (let b = 0; b < nb; b++) {
      const d = d0 + b;
      const delta = solveActive(shifts.subarray(b * p, (b + 1) * p));
      for (let j = 0; j < p; j++) delta[j] += coef[j];
      incrementalOf(delta, uses.subarray(b * nSlots, (b + 1) * nSlots), incDraw);
      let tot = 0;
      for (let k = 0; k < K; k++) tot += incDraw[k];
      bootTotal[d] = tot;
      for (let k = 0; k < K; k++) {
        bootInc[k][d] = incDraw[k];
        bootShare[k][d] = tot !== 0 ? incDraw[k] / tot : 0;
      }
      bar.tick();
    }
  }
  bar.stop();
  const lo = (1 - level) / 2;
  const interval = (x: Float64Array): [number, number] => {
    const s = Float64Array.from(x).sort();
    return [quantileSorted(s, lo), quantileSorted(s, 1 - lo)];
  };

  let total = 0;
  for (let k = 0; k < K; k++) total += incremental[k];
  if (total === 0) throw new EstimationError('causalCredit: no course has an employee-month in its window; nothing to credit');
  const result: CausalCreditResult = {
    model: 'causal',
    credit: {},
    conversions: {},
    value: {},
    notes,
    incremental: {},
    intervals: {},
    perMonth: {},
    treatedMonths: {},
    total: { incremental: total, interval: interval(bootTotal) },
    interactions: {},
    shareIntervals: {},
  };
  panel.courses.forEach((c, k) => {
    result.credit[c] = incremental[k] / total;
    result.value[c] = incremental[k];
    result.incremental[c] = incremental[k];
    result.intervals[c] = interval(bootInc[k]);
    result.shareIntervals[c] = interval(bootShare[k]);
    result.treatedMonths[c] = treated[k];
    result.perMonth[c] = treated[k] > 0 ? incremental[k] / treated[k] : 0;
    if (treated[k] === 0) notes.push(`${c}: no employee-month in its window, so no credit`);
  });
  pairs.forEach(([k, l], q2) => (result.interactions[`${panel.courses[k]}×${panel.courses[l]}`] = coef[pairColumn[q2]]));
  notes.unshift(
    `causal credit: employee and role×region×month effects absorbed, prior level×month and tenure controlled, ` +
      `an effect per course and month since completion${pairs.length ? ' plus pairwise interactions' : ''} by least squares, ` +
      `exact Shapley split per month; ${Math.round(level * 100)}% intervals from ${draws} bootstrap draws over ${nUnits} employees (seed ${opts.seed ?? 1})`,
  );
  notes.push(`value = incremental ${opts.metric} in the metric's units; shares are of the total incremental ${opts.metric} and can be negative for a harmful course`);
  return result;
}
