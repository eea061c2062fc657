import { choleskyScaled, choleskySolve } from '../stats/linalg';

/** A column by its non-zero rows (increasing) and their values. */
export interface SparseColumn {
  rows: Int32Array;
  values: Float64Array;
}

/**
 * Employee × month effects nested in groups (an employee belongs to one
 * group, the months are the group's own): the rows of each group, with the
 * group's employees coded 0.., and each row's cell (group × months + month).
 */
export interface NestedEffects {
  nMonths: number;
  groups: { rows: Int32Array; unit: Int32Array; nUnits: number; month: Int32Array }[];
  /** Each row's cell: its group's index in `groups` × nMonths + its month. */
  rowCell: Int32Array;
}

/** What {@link NestedProjection.project} keeps of a column. */
export interface ProjectedColumn {
  /** The employees the column touches, and its sum over each one's months (A_u). */
  units: Int32Array;
  sums: Float64Array;
  /** r = DᵀM_U x per cell: the employee-demeaned column summed per month of each group; 0 at a group's first month. */
  rhs: Float64Array;
  /** τ = S⁻¹r per cell: the column's month effects in each group (0 at its first month and at months without rows). */
  tau: Float64Array;
}

/**
 * The projection M off employee effects and group × month effects, in
 * cross-product form. By Frisch–Waugh, with M_U the employee demeaning and D
 * the month indicators of each group but its first month,
 *
 *   aᵀMb = aᵀb − Σ_u A_u B_u / n_u − r_aᵀ S⁻¹ r_b,
 *
 * where A_u, B_u are the columns' sums over employee u's n_u rows,
 * r = DᵀM_U x and S = DᵀM_U D, a months × months system per group
 * (factored once). Everything but aᵀb is a per-employee or per-cell sum, so
 * the cross-product of two sparse columns costs their non-zero entries and
 * the employees they touch, never a dense pass over the panel. `tau` of a
 * column is its month effects, so that (Mx)_i = x_i − x̄_u + τ̄_u − τ_cell(i)
 * (τ̄_u the mean of τ over u's months).
 */
export interface NestedProjection {
  nUnits: number;
  /** Rows per employee. */
  count: Float64Array;
  cells: number;
  project(col: SparseColumn): ProjectedColumn;
}

/**
 * The projection of {@link NestedProjection}, or null where it does not
 * apply and the caller must demean columns instead: an employee with two rows
 * in one month, or a group whose months × months system is singular (its
 * employees and months fall apart into sets with no month in common).
 *
 * @example
 * const proj = nestedProjection(unit, nUnits, fe);
 * const pa = proj.project(a), pb = proj.project(b); // then crossProducts(...)
 */
export function nestedProjection(unit: Int32Array, nUnits: number, fe: NestedEffects): NestedProjection | null {
  const n = unit.length;
  const T = fe.nMonths;
  const nGroups = fe.groups.length;
  const cells = nGroups * T;
  const count = new Float64Array(nUnits);
  for (let i = 0; i < n; i++) count[unit[i]]++;
  // Each employee's cells, grouped by employee (CSR), to find the employees' month patterns.
  const start = new Int32Array(nUnits + 1);
  for (let u = 0; u < nUnits; u++) start[u + 1] = start[u] + count[u];
  const fill = start.slice(0, nUnits);
  const cellsOf = new Int32Array(n);
  for (let i = 0; i < n; i++) cellsOf[fill[unit[i]]++] = fe.rowCell[i];
  // Employees with the same cells share a pattern; S and the r's need only the patterns.
  const patternOf = new Int32Array(nUnits);
  const patternKey = new Map<string, number>();
  const patStart: number[] = [0];
  const patCells: number[] = [];
  const patWeight: number[] = []; // the employees sharing the pattern
  for (let u = 0; u < nUnits; u++) {
    const c = cellsOf.subarray(start[u], start[u + 1]);
    c.sort();
    for (let k = 1; k < c.length; k++) if (c[k] === c[k - 1]) return null; // two rows in one month
    const key = c.join(',');
    let id = patternKey.get(key);
    if (id === undefined) {
      id = patStart.length - 1;
      patternKey.set(key, id);
      for (const cell of c) patCells.push(cell);
      patStart.push(patCells.length);
      patWeight.push(0);
    }
    patWeight[id]++;
    patternOf[u] = id;
  }
  const nPat = patWeight.length;
  const pStart = Int32Array.from(patStart);
  const pCells = Int32Array.from(patCells);
  // Per group: its first month with rows is the reference; the others are the unknowns (slots).
  const rowsInCell = new Float64Array(cells);
  for (let i = 0; i < n; i++) rowsInCell[fe.rowCell[i]]++;
  const slot = new Int32Array(cells).fill(-1);
  const sizes: number[] = [];
  // S = diag(rows per month) − Σ_u a_u a_uᵀ / n_u per group, a_u the employee's month indicators.
  const systems: Float64Array[] = [];
  for (let g = 0; g < nGroups; g++) {
    let q = 0;
    let reference = -1;
    for (let t = 0; t < T; t++) {
      if (!(rowsInCell[g * T + t] > 0)) continue;
      if (reference < 0) reference = t;
      else slot[g * T + t] = q++;
    }
    sizes.push(q);
    const S = new Float64Array(q * q);
    for (let t = 0; t < T; t++) if (slot[g * T + t] >= 0) S[slot[g * T + t] * q + slot[g * T + t]] = rowsInCell[g * T + t];
    systems.push(S);
  }
  for (let pat = 0; pat < nPat; pat++) {
    const from = pStart[pat];
    const to = pStart[pat + 1];
    if (to === from) continue;
    const g = Math.floor(pCells[from] / T);
    const S = systems[g];
    const q = sizes[g];
    const w = patWeight[pat] / (to - from);
    for (let x = from; x < to; x++) {
      const sx = slot[pCells[x]];
      if (sx < 0) continue;
      for (let y = from; y < to; y++) {
        const sy = slot[pCells[y]];
        if (sy >= sx) S[sx * q + sy] -= w;
      }
    }
  }
  const factors: ({ L: Float64Array; d: Float64Array } | null)[] = [];
  for (let g = 0; g < nGroups; g++) {
    const q = sizes[g];
    if (q === 0) {
      factors.push(null);
      continue;
    }
    const S = systems[g];
    for (let x = 0; x < q; x++) for (let y = 0; y < x; y++) S[x * q + y] = S[y * q + x];
    const chol = choleskyScaled(S, q);
    if ('dependent' in chol) return null;
    factors.push(chol);
  }
  const acc = new Float64Array(nUnits);
  const seen = new Uint8Array(nUnits);
  const patAcc = new Float64Array(nPat);
  const patSeen = new Uint8Array(nPat);
  return {
    nUnits,
    count,
    cells,
    project(col: SparseColumn): ProjectedColumn {
      const { rows, values } = col;
      const rhs = new Float64Array(cells);
      const touched: number[] = [];
      for (let r = 0; r < rows.length; r++) {
        const i = rows[r];
        const u = unit[i];
        if (!seen[u]) {
          seen[u] = 1;
          touched.push(u);
        }
        acc[u] += values[r];
        rhs[fe.rowCell[i]] += values[r];
      }
      const units = Int32Array.from(touched);
      const sums = new Float64Array(units.length);
      const pats: number[] = [];
      for (let k = 0; k < units.length; k++) {
        const u = units[k];
        sums[k] = acc[u];
        acc[u] = 0;
        seen[u] = 0;
        const pat = patternOf[u];
        if (!patSeen[pat]) {
          patSeen[pat] = 1;
          pats.push(pat);
        }
        patAcc[pat] += sums[k] / count[u];
      }
      // r = Σ_i x_i − Σ_u x̄_u over each month's rows: the employee means spread over their months.
      for (const pat of pats) {
        const m = patAcc[pat];
        for (let x = pStart[pat]; x < pStart[pat + 1]; x++) rhs[pCells[x]] -= m;
        patAcc[pat] = 0;
        patSeen[pat] = 0;
      }
      const tau = new Float64Array(cells);
      for (let g = 0; g < nGroups; g++) {
        const f = factors[g];
        const q = sizes[g];
        const b = new Float64Array(q);
        for (let t = 0; t < T; t++) {
          const c = g * T + t;
          if (slot[c] >= 0) b[slot[c]] = rhs[c];
          else rhs[c] = 0;
        }
        if (f === null) continue;
        const sol = choleskySolve(f, b, q);
        for (let t = 0; t < T; t++) if (slot[g * T + t] >= 0) tau[g * T + t] = sol[slot[g * T + t]];
      }
      return { units, sums, rhs, tau };
    },
  };
}

// Sparse columns by row (CSR): row i's entries are col[k], value[k] for k in start[i] .. start[i + 1] − 1.
interface ByRow {
  start: Int32Array;
  col: Int32Array;
  value: Float64Array;
}

// Sparse columns laid out by row, columns in increasing order within a row.
function byRow(cols: SparseColumn[], n: number): ByRow {
  const start = new Int32Array(n + 1);
  for (const c of cols) for (let r = 0; r < c.rows.length; r++) start[c.rows[r] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const at = start.slice(0, n);
  const col = new Int32Array(start[n]);
  const value = new Float64Array(start[n]);
  cols.forEach((c, j) => {
    for (let r = 0; r < c.rows.length; r++) {
      const k = at[c.rows[r]]++;
      col[k] = j;
      value[k] = c.values[r];
    }
  });
  return { start, col, value };
}

// Projected columns laid out by employee: the sums A_u, each divided by √n_u so that products give A_u·B_u / n_u.
function byUnit(cols: ProjectedColumn[], proj: NestedProjection): ByRow {
  return byRow(
    cols.map((c) => ({ rows: c.units, values: Float64Array.from(c.sums, (s, k) => s / Math.sqrt(proj.count[c.units[k]])) })),
    proj.nUnits,
  );
}

// Σ over rows of a_i·b_i for every column a of `left` and b of `right` (out[a·q + b], q the right set's
// columns; added to what `out` holds). With `same`, left and right are one set and only a ≥ b is filled.
function crossByRow(left: ByRow, right: ByRow, q: number, out: Float64Array, same = false): void {
  const nRows = left.start.length - 1;
  const { start: ls, col: lc, value: lv } = left;
  const { start: rs, col: rc, value: rv } = right;
  for (let i = 0; i < nRows; i++) {
    const r0 = rs[i];
    const r1 = rs[i + 1];
    if (r0 === r1) continue;
    for (let x = ls[i]; x < ls[i + 1]; x++) {
      const off = lc[x] * q;
      const v = lv[x];
      const end = same ? r0 + (x - ls[i]) + 1 : r1;
      for (let y = r0; y < end; y++) out[off + rc[y]] += v * rv[y];
    }
  }
}

/** Σ over cells of r_a·τ_b (the last term of {@link NestedProjection}'s cross-product). */
export function rhsDotTau(a: ProjectedColumn, b: ProjectedColumn): number {
  const r = a.rhs;
  const t = b.tau;
  let s = 0;
  for (let c = 0; c < r.length; c++) s += r[c] * t[c];
  return s;
}

/** Sparse columns with what the projection keeps of them, laid out for {@link netCross}. */
export interface ProjectedSet {
  projected: ProjectedColumn[];
  byRow: ByRow;
  byUnit: ByRow;
}

/**
 * Projects a set of sparse columns and lays them out by row and by employee.
 *
 * @example
 * const set = projectSet(cols, n, proj); netCross(set, set); // => their cross-products net of the effects
 */
export function projectSet(cols: SparseColumn[], n: number, proj: NestedProjection): ProjectedSet {
  const projected = cols.map((c) => proj.project(c));
  return { projected, byRow: byRow(cols, n), byUnit: byUnit(projected, proj) };
}

/**
 * aᵀMb for every column a of `left` and b of `right`, at [a·q + b] (q the
 * right set's columns): {@link NestedProjection}'s three terms. A set with
 * itself gives the full symmetric matrix, each pair worked once.
 */
export function netCross(left: ProjectedSet, right: ProjectedSet): Float64Array {
  const same = left === right;
  const p = left.projected.length;
  const q = right.projected.length;
  const out = new Float64Array(p * q);
  const byEmployee = new Float64Array(p * q);
  crossByRow(left.byRow, right.byRow, q, out, same);
  crossByRow(left.byUnit, right.byUnit, q, byEmployee, same);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < (same ? a + 1 : q); b++) {
      out[a * q + b] -= byEmployee[a * q + b] + rhsDotTau(left.projected[a], right.projected[b]);
      if (same) out[b * q + a] = out[a * q + b];
    }
  }
  return out;
}
