import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { balanceTable, balanceWarnings, ecdfMaxDistance } from '../../src/causal/balance';
import { matchNearest } from '../../src/causal/matching';
import { fitPropensity } from '../../src/causal/propensity';
import type { CrossSectionInput } from '../../src/causal/cross-section-input';
import { lalondeInput, relErr } from '../fixtures/lalonde/load';

let input: CrossSectionInput;
const rows = readFileSync('test/fixtures/lalonde/balance.csv', 'utf8').trim().split('\n').slice(1).map((l) => {
  const [when, term, smd, vr, ecdf] = l.split(',').map((s) => s.replace(/"/g, ''));
  return { when, term, smd: Number(smd), vr: vr === 'NA' ? NaN : Number(vr), ecdf: Number(ecdf) };
});

beforeAll(async () => {
  input = (await lalondeInput()).input;
});

describe('balanceTable against MatchIt summary() (1:1 on the logit, MatchIt 4.5.1 matching)', () => {
  it('reproduces standardised mean differences, variance ratios and eCDF maxima before and after (1e-6)', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const m = matchNearest(ps.logit, input.treat, { matchitCompat: true });
    const table = balanceTable([{ name: 'distance', values: ps.logit }, ...input.covariates], input.treat, { after: m.weights });
    for (const r of rows) {
      const ours = table.find((t) => t.name === r.term)!;
      expect(ours, r.term).toBeDefined();
      const smd = r.when === 'before' ? ours.smdBefore : ours.smdAfter;
      const vr = r.when === 'before' ? ours.varianceRatioBefore : ours.varianceRatioAfter;
      const ecdf = r.when === 'before' ? ours.ecdfMaxBefore : ours.ecdfMaxAfter;
      expect(relErr(smd, r.smd), `${r.when} ${r.term} smd ${smd} vs ${r.smd}`).toBeLessThan(1e-6);
      if (Number.isNaN(r.vr)) expect(vr).toBeNaN();
      else expect(relErr(vr, r.vr), `${r.when} ${r.term} var ratio`).toBeLessThan(1e-6);
      expect(relErr(ecdf, r.ecdf), `${r.when} ${r.term} ecdf`).toBeLessThan(1e-6);
    }
    expect(balanceWarnings(table).some((w) => w.includes('`raceblack`'))).toBe(true);
  });
  it('reuses the before side for a second table on the same input: same rows as on fresh copies of the data', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const m = matchNearest(ps.logit, input.treat, { matchitCompat: true });
    const w = Float64Array.from(input.treat, (t, i) => (t === 1 ? 1 : (i % 3) + 0.5));
    const copy = () => input.covariates.map((c) => ({ name: c.name, values: c.values instanceof Float64Array ? Float64Array.from(c.values) : [...c.values] }));
    const first = balanceTable(input.covariates, input.treat, { after: m.weights });
    const second = balanceTable(input.covariates, input.treat, { after: w });
    expect(first).toEqual(balanceTable(copy(), Float64Array.from(input.treat), { after: m.weights }));
    expect(second).toEqual(balanceTable(copy(), Float64Array.from(input.treat), { after: w }));
    expect(second.map((r) => r.smdBefore)).toEqual(first.map((r) => r.smdBefore));
    // Other sample weights are another before side.
    const withBefore = balanceTable(input.covariates, input.treat, { before: w, after: w });
    expect(withBefore).toEqual(balanceTable(copy(), Float64Array.from(input.treat), { before: w, after: w }));
    expect(withBefore[0].smdBefore).not.toBe(first[0].smdBefore);
  });
  it('eCDF distance of fully separated groups is 1, of identical groups 0', () => {
    expect(ecdfMaxDistance(Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 1, 0, 0]))).toBe(1);
    expect(ecdfMaxDistance(Float64Array.from([1, 2, 1, 2]), Float64Array.from([1, 1, 0, 0]))).toBe(0);
  });
});
