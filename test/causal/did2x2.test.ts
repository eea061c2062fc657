import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { did2x2, type Did2x2Cell, type Did2x2Input } from '../../src/causal/did2x2';
import { loadFlatTable, numericColumn } from '../../src/data/flat-table';
import { DataError, EstimationError } from '../../src/core/errors';

const ref = JSON.parse(readFileSync('test/fixtures/card-krueger/ck_reference.json', 'utf8'));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('did2x2 on Card & Krueger (1994)', () => {
  let input: Did2x2Input;
  beforeAll(async () => {
    const t = await loadFlatTable('data/card_krueger/card_krueger_mhe.csv');
    input = { y: numericColumn(t, 'fte'), treated: numericColumn(t, 'nj'), post: numericColumn(t, 'd'), unit: Int32Array.from(numericColumn(t, 'id')) };
  });
  it('reproduces the four cell means (23.3312, 21.1656, 20.4394, 21.0274) with their SEs and sizes', () => {
    const r = did2x2(input);
    const cells = r.diagnostics.cells as Did2x2Cell[];
    for (const c of ref.cells) {
      const mine = cells.find((x) => x.treated === c.treated && x.post === c.post)!;
      expect(rel(mine.mean, c.mean)).toBeLessThan(1e-10);
      expect(rel(mine.se, c.se)).toBeLessThan(1e-10);
      expect(mine.n).toBe(c.n);
    }
    expect([cells[0].mean, cells[1].mean, cells[2].mean, cells[3].mean].map((v) => Number(v.toFixed(4)))).toEqual([23.3312, 21.1656, 20.4394, 21.0274]);
  });
  it('pooled DiD 2.75361 with classical, HC1, HC3 and clustered SEs as statsmodels', () => {
    for (const vcov of ['classical', 'HC1', 'HC3', 'cluster'] as const) {
      const r = did2x2(input, { vcov });
      expect(Math.abs(r.estimate - ref.pooled.estimate)).toBeLessThan(1e-10);
      expect(rel(r.se, ref.pooled.se[vcov])).toBeLessThan(1e-8);
    }
    expect(did2x2(input).diagnostics.rowsWithoutOutcome).toBe(820 - 794);
  });
  it('balanced panel: DiD 2.75 on n = 384 stores (classical SE 1.15436, HC1 1.3377 ~ the paper 1.34)', () => {
    const r = did2x2(input, { balanced: true, vcov: 'classical' });
    expect(Math.abs(r.estimate - 2.75)).toBeLessThan(1e-10);
    expect(r.nTreated + r.nControl).toBe(384);
    expect(rel(r.se, ref.balanced.se.classical)).toBeLessThan(1e-8);
    expect(rel(did2x2(input, { balanced: true }).se, ref.balanced.se.HC1)).toBeLessThan(1e-8);
  });
  it('rejects a non-binary group and an empty cell', () => {
    const y = Float64Array.of(1, 2, 3, 4, 5);
    expect(() => did2x2({ y, treated: Float64Array.of(0, 0, 1, 1, 2), post: Float64Array.of(0, 1, 0, 1, 1) })).toThrow(DataError);
    expect(() => did2x2({ y, treated: Float64Array.of(0, 0, 1, 1, 1), post: Float64Array.of(0, 1, 0, 1, 1) })).toThrow(EstimationError);
  });
});
