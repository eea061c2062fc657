import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';
import type { Estimate } from '../../src/core/estimate';
import { ref, reference, relErr } from '../fixtures/lalonde/load';

const R = reference();
const BASE = ['node', 'trainlift', 'estimate', 'data/lalonde/matchit_lalonde.csv', '--treatment', 'treat', '--outcome', 're78', '--covariates', 'age,educ,race,married,nodegree,re74,re75'];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('trainlift estimate', () => {
  it('the done-when command prints the table and writes JSON reproducing the reference numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-est-'));
    const json = join(dir, 'out.json');
    const { code, out } = await run([...BASE, '--method', 'regression_adjustment,psm_nearest,ipw,aipw', '--json', json]);
    expect(code).toBe(0);
    expect(out).toMatch(/regression_adjustment\s+1,548\.24\s+740\.58/);
    const { estimates } = JSON.parse(readFileSync(json, 'utf8')) as { estimates: Estimate[] };
    expect(estimates.map((e) => e.method)).toEqual(['regression_adjustment', 'psm_nearest', 'ipw', 'aipw']);
    const [reg, psm, w, dr] = estimates;
    expect(relErr(reg.estimate, ref(R, 'ols.coef.treat'))).toBeLessThan(1e-6);
    expect(relErr(reg.se, ref(R, 'ols.se_HC1.treat'))).toBeLessThan(1e-6);
    expect(relErr(psm.estimate, ref(R, 'true_nn.plain.att'))).toBeLessThan(1e-6);
    expect(relErr(psm.se, ref(R, 'true_nn.plain.se'))).toBeLessThan(1e-6);
    expect(relErr(w.estimate, 1214.07)).toBeLessThan(1e-5);
    expect(relErr(w.se, 825.397)).toBeLessThan(1e-5);
    expect(relErr(dr.estimate, ref(R, 'aipw.att'))).toBeLessThan(1e-6);
    expect(psm).not.toHaveProperty('course');
  });
  it('with --matchit-compat reproduces MatchIt 4.5.1: 370 units 770.390 (701.575); --adjust 1307.01; caliper 262 units 1388.46 / 1530.22', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-est-'));
    const cases: [string[], number, number, number][] = [
      [[], 370, 770.39, 701.575],
      [['--adjust'], 370, 1307.01, 718.825],
      [['--caliper', '0.2'], 262, 1388.46, 828.705],
      [['--caliper', '0.2', '--adjust'], 262, 1530.22, 789.861],
    ];
    for (const [extra, n, att, se] of cases) {
      const json = join(dir, `m${extra.join('')}.json`);
      const { code } = await run([...BASE, '--method', 'psm_nearest', '--matchit-compat', ...extra, '--json', json]);
      expect(code).toBe(0);
      const e = (JSON.parse(readFileSync(json, 'utf8')) as { estimates: Estimate[] }).estimates[0];
      expect(e.diagnostics.nMatched).toBe(n);
      expect(relErr(e.estimate, att)).toBeLessThan(5e-6);
      expect(relErr(e.se, se)).toBeLessThan(5e-6);
    }
  });
  it('--vcov cluster:COL clusters on a column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-est-'));
    const json = join(dir, 'c.json');
    const { code } = await run([...BASE, '--method', 'regression_adjustment', '--vcov', 'cluster:educ', '--json', json]);
    expect(code).toBe(0);
    const e = (JSON.parse(readFileSync(json, 'utf8')) as { estimates: Estimate[] }).estimates[0];
    expect(relErr(e.se, ref(R, 'ols.se_cluster_educ.treat'))).toBeLessThan(1e-6);
  });
  it('bad input: one clear line, exit 1', async () => {
    let r = await run([...BASE, '--method', 'psm']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown method `psm`; the methods are naive_difference/);
    r = await run(['node', 'trainlift', 'estimate', 'data/lalonde/matchit_lalonde.csv', '--treatment', 'age', '--outcome', 're78']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/row 2, column `age`: the treatment must be 0 or 1, got 37/);
    r = await run([...BASE, '--caliper', '-1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/`--caliper` must be a number > 0/);
    r = await run([...BASE, '--vcov', 'HC9']);
    expect(r.err).toMatch(/`--vcov` must be/);
    expect(r.err).not.toMatch(/at .*\.ts:/);
  });
  it('names the row and column of a missing covariate, and --drop-missing leaves the row out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-est-missing-'));
    const file = join(dir, 'lalonde.csv');
    const lines = readFileSync('data/lalonde/matchit_lalonde.csv', 'utf8').split('\n');
    lines[9] = lines[9].replace(/^("NSW\d+",\d),\d+,/, '$1,,'); // row 10: no age
    writeFileSync(file, lines.join('\n'));
    const args = ['node', 'trainlift', 'estimate', file, ...BASE.slice(4), '--method', 'regression_adjustment'];
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/lalonde\.csv row 10, column `age`: the value is missing; fill it, or pass --drop-missing/);
    const ok = await run([...args, '--drop-missing']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/regression_adjustment .* 184 +429/);
  });
});
