import { beforeAll, describe, expect, it } from 'vitest';
import { matchNearest, psmNearest, type MatchResult } from '../../src/causal/matching';
import { fitPropensity } from '../../src/causal/propensity';
import { EstimationError } from '../../src/core/errors';
import { lalondeInput, ref, reference, relErr, rMatches } from '../fixtures/lalonde/load';

const R = reference();
const RM = rMatches();
let input: Awaited<ReturnType<typeof lalondeInput>>['input'];
let ids: string[];

beforeAll(async () => {
  ({ input, ids } = await lalondeInput());
});

/** Our matched sets as sorted id lists per treated unit, and R's, compared exactly. */
function expectSameSets(m: MatchResult, run: string): void {
  const r = RM.get(run)!;
  const bySub = new Map<string, string[]>();
  for (const [id, { subclass }] of r) {
    if (!bySub.has(subclass)) bySub.set(subclass, []);
    bySub.get(subclass)!.push(id);
  }
  const rSets = new Set([...bySub.values()].map((s) => s.sort().join(' ')));
  const ours = new Map<number, string[]>();
  m.subclass.forEach((s, i) => {
    if (s < 0) return;
    if (!ours.has(s)) ours.set(s, []);
    ours.get(s)!.push(ids[i]);
  });
  const oSets = new Set([...ours.values()].map((s) => s.sort().join(' ')));
  expect(oSets.size).toBe(rSets.size);
  const missing = [...rSets].filter((s) => !oSets.has(s));
  expect(missing, `R sets not found: ${missing.slice(0, 3).join(' | ')}`).toEqual([]);
}

describe('matchNearest with matchitCompat reproduces MatchIt 4.5.1 matched sets on LaLonde exactly', () => {
  const compat = { matchitCompat: true } as const;
  it('1:1 on the probability-scale score: the same 185 pairs', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const m = matchNearest(ps.score, input.treat, compat);
    expect(m.nMatchedTreated + m.nMatchedControls).toBe(370);
    expectSameSets(m, 'nn_prob');
  });
  it('1:1 on the logit score: the same pairs', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    expectSameSets(matchNearest(ps.logit, input.treat, compat), 'nn_logit');
  });
  it('caliper 0.2 SD of the logit (0.360902): the same 131 pairs', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const m = matchNearest(ps.logit, input.treat, { caliper: 0.2, ...compat });
    expect(relErr(m.caliperWidth, 0.2 * ref(R, 'ps.sd_logit'))).toBeLessThan(1e-7);
    expect(m.caliperWidth).toBeCloseTo(0.360902, 6);
    expect(m.nMatchedTreated).toBe(131);
    expectSameSets(m, 'nn_caliper');
  });
  it('exact on married: the same pairs', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const married = Array.from(input.covariates.find((c) => c.name === 'married')!.values as Float64Array);
    expectSameSets(matchNearest(ps.logit, input.treat, { exact: married, ...compat }), 'nn_exact_married');
  });
  it('2:1 with replacement: MatchIt weights and number of distinct controls', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const m = matchNearest(ps.logit, input.treat, { ratio: 2, replace: true, ...compat });
    expect(m.nMatchedControls).toBe(ref(R, 'nn_ratio2_replace.n_controls'));
    const r = RM.get('nn_ratio2_replace')!;
    ids.forEach((id, i) => {
      const expected = r.get(id)?.weight ?? 0;
      expect(m.weights[i], id).toBeCloseTo(expected, 10);
    });
  });
});

describe('matchNearest default (true nearest) against a plain-R greedy matcher', () => {
  it('1:1 on the logit: the same 185 pairs', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    expectSameSets(matchNearest(ps.logit, input.treat), 'true_nn');
  });
  it('caliper 0.2 SD: the same 117 pairs', () => {
    const ps = fitPropensity(input.treat, input.covariates);
    const m = matchNearest(ps.logit, input.treat, { caliper: 0.2 });
    expect(m.nMatchedTreated).toBe(117);
    expectSameSets(m, 'true_caliper');
  });
});

describe('matchNearest on small hand-worked cases', () => {
  it('MatchIt 4.5.1 compatibility: gaps under 1 count as 0, so the lower neighbour wins', () => {
    const d = Float64Array.from([0.5, 0.1, 0.55]);
    const t = Float64Array.from([1, 0, 0]);
    expect(Array.from(matchNearest(d, t).pairs)).toEqual([2]);
    expect(Array.from(matchNearest(d, t, { matchitCompat: true }).pairs)).toEqual([1]); // what R's MatchIt 4.5.1 returns
  });
  it('takes treated from the largest score down, each picking the closest free control', () => {
    const d = Float64Array.from([0.9, 0.2, 0.85, 0.1, 0.3, 0.8]);
    const t = Float64Array.from([1, 1, 0, 0, 0, 1]);
    const m = matchNearest(d, t);
    // order: row 0 (0.9) takes 2 (0.85); row 5 (0.8) takes 4 (0.3); row 1 (0.2) takes 3 (0.1)
    expect(Array.from(m.pairs)).toEqual([2, 3, 4]);
    expect(m.nMatchedTreated).toBe(3);
  });
  it('breaks ties by data order and honours the caliper', () => {
    // equal gaps: the lower neighbour wins, and among equal scores the later row (MatchIt's sorted scan meets it first)
    const d = Float64Array.from([0.5, 0.4, 0.6, 0.4]);
    const t = Float64Array.from([1, 0, 0, 0]);
    expect(Array.from(matchNearest(d, t).pairs)).toEqual([3]);
    const far = Float64Array.from([0, 10, 10.5, 11]);
    const m = matchNearest(far, Float64Array.from([1, 0, 0, 0]), { caliper: 0.1 });
    expect(m.nMatchedTreated).toBe(0);
    expect(m.unmatchedTreated).toBe(1);
  });
  it('rejects bad options with the argument named', () => {
    const d = Float64Array.from([1, 2]);
    const t = Float64Array.from([1, 0]);
    expect(() => matchNearest(d, t, { caliper: -1 })).toThrow('matchNearest: `caliper` must be > 0, got -1');
    expect(() => matchNearest(d, t, { ratio: 0 })).toThrow(/`ratio`/);
    expect(() => matchNearest(d, Float64Array.from([1, 2]))).toThrow(/0 or 1/);
  });
});

describe('psmNearest (effect on the matched data, errors clustered by matched set)', () => {
  const compat = { matchitCompat: true } as const;
  const cases: [string, Parameters<typeof psmNearest>[1], string, number, number, number][] = [
    ['MatchIt 1:1', compat, 'nn_logit.plain', 370, 770.39, 701.575],
    ['MatchIt 1:1 --adjust', { adjust: true, ...compat }, 'nn_logit.adj', 370, 1307.01, 718.825],
    ['MatchIt 1:1 probability scale', { distance: 'probability', ...compat }, 'nn_prob.plain', 370, 770.39, 701.575],
    ['MatchIt caliper 0.2', { caliper: 0.2, ...compat }, 'nn_caliper.plain', 262, 1388.46, 828.705],
    ['MatchIt caliper 0.2 --adjust', { caliper: 0.2, adjust: true, ...compat }, 'nn_caliper.adj', 262, 1530.22, 789.861],
    ['MatchIt exact married', { exact: ['married'], ...compat }, 'nn_exact_married.plain', 370, 747.473, 723.865],
    ['true nearest 1:1', {}, 'true_nn.plain', 370, 894.367, 705.230],
    ['true nearest 1:1 --adjust', { adjust: true }, 'true_nn.adj', 370, 1344.936, 718.977],
    ['true nearest caliper 0.2', { caliper: 0.2 }, 'true_caliper.plain', 234, 1770.603, 924.234],
    ['true nearest caliper 0.2 --adjust', { caliper: 0.2, adjust: true }, 'true_caliper.adj', 234, 1521.164, 874.108],
  ];
  it.each(cases)('%s reproduces MatchIt + lm + vcovCL (1e-6)', (_, opts, key, n, att, se) => {
    const e = psmNearest(input, opts);
    expect(e.diagnostics.nMatched).toBe(n);
    expect(relErr(e.estimate, ref(R, `${key}.att`))).toBeLessThan(1e-6);
    expect(relErr(e.se, ref(R, `${key}.se`))).toBeLessThan(1e-6);
    expect(e.estimate).toBeCloseTo(att, 2);
    expect(e.se).toBeCloseTo(se, 2);
    expect(e.ci[0]).toBeLessThan(e.estimate);
  });
  it('2:1 with replacement reproduces the weighted estimate', () => {
    const e = psmNearest(input, { ratio: 2, replace: true, matchitCompat: true });
    expect(relErr(e.estimate, ref(R, 'nn_ratio2_replace.att'))).toBeLessThan(1e-6);
  });
  it('no overlap after the caliper is an EstimationError', () => {
    // controls shifted far away in every covariate except one weak one: every match lies outside a tiny caliper
    const n = 40;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i : i + 0.5 * Math.sin(i)));
    const treat = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const y = Float64Array.from({ length: n }, (_, i) => i);
    expect(() => psmNearest({ y, treat, covariates: [{ name: 'x', values: x }] }, { caliper: 1e-9 })).toThrow(EstimationError);
    expect(() => psmNearest({ y, treat, covariates: [{ name: 'x', values: x }] }, { caliper: 1e-9 })).toThrow(/no overlap/);
  });
  it('reports unmatched treated units and the caliper in its diagnostics and warnings', () => {
    const e = psmNearest(input, { caliper: 0.2 });
    expect(e.diagnostics.unmatchedTreated).toBe(68);
    expect((e.diagnostics.warnings as string[])[0]).toMatch(/68 treated units found no control within the caliper/);
  });
});
