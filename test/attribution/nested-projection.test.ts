import { describe, expect, it } from 'vitest';
import { nestedProjection, netCross, projectSet, type NestedEffects, type SparseColumn } from '../../src/attribution/nested-projection';
import { demeanTwoWay } from '../../src/stats/fixed-effects';
import { createRng } from '../../src/stats/rng';

// Employees in groups over T months, each observed over its own months (hired late, left early, a gap).
function panel(seed: number, opts: { twice?: boolean; apart?: boolean } = {}) {
  const rng = createRng(seed);
  const T = 7;
  const unit: number[] = [];
  const group: number[] = [];
  const month: number[] = [];
  for (let u = 0; u < 30; u++) {
    const g = u % 3;
    const from = rng.int(3);
    const to = T - rng.int(3);
    for (let t = from; t < to; t++) {
      if (t === 3 && u % 5 === 0) continue; // a gap
      if (opts.apart && g === 2 && (u % 2 === 0 ? t >= 3 : t < 4)) continue; // group 2 falls apart in two
      unit.push(u);
      group.push(g);
      month.push(t);
    }
    if (opts.twice && u === 7) (unit.push(u), group.push(g), month.push(from));
  }
  const n = unit.length;
  const fe: NestedEffects = { nMonths: T, groups: [], rowCell: Int32Array.from(group, (g, i) => g * T + month[i]) };
  for (let g = 0; g < 3; g++) {
    const rows = Int32Array.from(unit.map((_, i) => i).filter((i) => group[i] === g));
    const code = new Map<number, number>();
    const local = Int32Array.from(rows, (i) => (code.has(unit[i]) ? (code.get(unit[i]) as number) : (code.set(unit[i], code.size), code.size - 1)));
    fe.groups.push({ rows, unit: local, nUnits: code.size, month: Int32Array.from(rows, (i) => month[i]) });
  }
  const sparse = (share: number): SparseColumn => {
    const rows: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) if (rng.uniform() < share) (rows.push(i), values.push(rng.normal() * 5 + 2));
    return { rows: Int32Array.from(rows), values: Float64Array.from(values) };
  };
  return { n, unit: Int32Array.from(unit), fe, cols: [sparse(0.1), sparse(0.5), sparse(1), sparse(0.03)] };
}

// The columns made dense and demeaned group by group (exact two-way solve), then multiplied out.
function denseProducts(n: number, fe: NestedEffects, cols: SparseColumn[]): number[][] {
  const dense = cols.map((c) => {
    const d = new Float64Array(n);
    c.rows.forEach((i, r) => (d[i] = c.values[r]));
    return d;
  });
  const demeaned = dense.map((d) => Float64Array.from(d));
  for (const g of fe.groups) {
    const sub = demeaned.map((d) => Float64Array.from(g.rows, (i) => d[i]));
    demeanTwoWay(sub, g.unit, g.nUnits, g.month, fe.nMonths, { solve: 'exact' });
    sub.forEach((s, c) => g.rows.forEach((i, r) => (demeaned[c][i] = s[r])));
  }
  return dense.map((a) => demeaned.map((mb) => a.reduce((s, v, i) => s + v * mb[i], 0)));
}

describe('nestedProjection: cross-products net of employee and group × month effects without demeaning', () => {
  it('aᵀMb = aᵀb − Σ_u A_u B_u / n_u − r_aᵀ S⁻¹ r_b equals the demeaned product, on an unbalanced panel with gaps', () => {
    for (const seed of [1, 2, 3]) {
      const { n, unit, fe, cols } = panel(seed);
      const proj = nestedProjection(unit, 30, fe);
      expect(proj).not.toBeNull();
      if (proj === null) return;
      const set = projectSet(cols, n, proj);
      const got = netCross(set, set);
      const q = cols.length;
      // Against a set of its own (the rectangular path): the same numbers.
      const other = netCross(set, projectSet(cols, n, proj));
      const want = denseProducts(n, fe, cols);
      for (let a = 0; a < q; a++) {
        for (let b = 0; b <= a; b++) {
          expect(Math.abs(got[a * q + b] - want[a][b]), `seed ${seed} [${a}, ${b}]`).toBeLessThan(1e-9 * Math.max(1, Math.abs(want[a][b])));
          expect(got[b * q + a]).toBe(got[a * q + b]);
          expect(Math.abs(other[a * q + b] - got[a * q + b])).toBeLessThan(1e-12 * Math.max(1, Math.abs(want[a][b])));
        }
      }
    }
  });

  it("hands back each column's month effects: (Mx)_i = x_i − x̄_u + τ̄_u − τ_cell(i)", () => {
    const { n, unit, fe, cols } = panel(4);
    const proj = nestedProjection(unit, 30, fe);
    if (proj === null) throw new Error('expected a projection');
    const x = cols[1];
    const p = proj.project(x);
    const dense = new Float64Array(n);
    x.rows.forEach((i, r) => (dense[i] = x.values[r]));
    const mx = Float64Array.from(dense);
    for (const g of fe.groups) {
      const sub = [Float64Array.from(g.rows, (i) => mx[i])];
      demeanTwoWay(sub, g.unit, g.nUnits, g.month, fe.nMonths, { solve: 'exact' });
      g.rows.forEach((i, r) => (mx[i] = sub[0][r]));
    }
    const sum = new Float64Array(30);
    const tauSum = new Float64Array(30);
    const count = new Float64Array(30);
    for (let i = 0; i < n; i++) {
      sum[unit[i]] += dense[i];
      tauSum[unit[i]] += p.tau[fe.rowCell[i]];
      count[unit[i]]++;
    }
    for (let i = 0; i < n; i++) {
      const u = unit[i];
      expect(dense[i] - sum[u] / count[u] + tauSum[u] / count[u] - p.tau[fe.rowCell[i]]).toBeCloseTo(mx[i], 9);
    }
  });

  it('declines (null) where demeaning must take over: two rows in one month, or a group that falls apart', () => {
    const twice = panel(5, { twice: true });
    expect(nestedProjection(twice.unit, 30, twice.fe)).toBeNull();
    const apart = panel(5, { apart: true });
    expect(nestedProjection(apart.unit, 30, apart.fe)).toBeNull();
    const fine = panel(5);
    expect(nestedProjection(fine.unit, 30, fine.fe)).not.toBeNull();
  });
});
