import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';

const ref = JSON.parse(readFileSync('test/fixtures/mpdta/mpdta_reference.json', 'utf8'));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { out, err };
}

describe('trainlift did', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  it('reproduces the published mpdta numbers and writes the CONTRACT JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-did-'));
    const json = join(dir, 'out.json');
    const { out } = capture();
    const code = await main(['node', 'trainlift', 'did', 'data/mpdta/mpdta.csv', '--id', 'countyreal', '--time', 'year', '--group', 'first.treat', '--outcome', 'lemp', '--control', 'never', '--json', json]);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    for (const c of ref.attgt) {
      const mine = r.attgt.find((x: { group: number; time: number }) => x.group === c.group && x.time === c.time);
      expect(Math.abs(mine.estimate - c.estimate)).toBeLessThan(1e-5);
    }
    expect(Math.abs(r.aggregates.simple.estimate - ref.aggregates.simple)).toBeLessThan(1e-6);
    expect(Math.abs(r.aggregates.group.estimate - ref.aggregates.group)).toBeLessThan(1e-6);
    expect(Math.abs(r.aggregates.dynamic.estimate - ref.aggregates.dynamic)).toBeLessThan(1e-6);
    expect(Math.abs(r.aggregates.group.se - 0.0126) / 0.0126).toBeLessThan(0.1);
    expect(Math.abs(r.aggregates.dynamic.se - 0.0219) / 0.0219).toBeLessThan(0.1);
    const twfe = r.estimates.find((e: { method: string }) => e.method === 'did_twfe');
    expect(Math.abs(twfe.estimate - ref.twfe.estimate)).toBeLessThan(1e-6);
    expect(Math.abs(twfe.se - ref.twfe.clusterSe)).toBeLessThan(1e-6);
    expect(r.estimates.map((e: { method: string }) => e.method)).toEqual(['did_twfe', 'did_staggered']);
    expect(r.eventStudy.map((p: { e: number }) => p.e)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(out.join('\n')).toMatch(/ATT\(g, t\)/);
    expect(out.join('\n')).toMatch(/Goodman-Bacon: 5\.4%/);
  });
  it('--covariates: the doubly robust version reproduces the published lpop-adjusted group ATT (-0.0323)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-did-'));
    const json = join(dir, 'dr.json');
    capture();
    const code = await main(['node', 'trainlift', 'did', 'data/mpdta/mpdta.csv', '--id', 'countyreal', '--time', 'year', '--group', 'first.treat', '--outcome', 'lemp', '--covariates', 'lpop', '--json', json]);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(Math.abs(r.aggregates.group.estimate - -0.0323)).toBeLessThan(5e-5);
    expect(Math.abs(r.aggregates.simple.estimate - -0.0413516293)).toBeLessThan(1e-6);
  });
  it('same seed, same bytes with the bootstrap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-did-'));
    capture();
    const args = (f: string) => ['node', 'trainlift', 'did', 'data/mpdta/mpdta.csv', '--id', 'countyreal', '--time', 'year', '--group', 'first.treat', '--outcome', 'lemp', '--seed', '5', '--json', join(dir, f)];
    expect(await main(args('a.json'))).toBe(0);
    expect(await main(args('b.json'))).toBe(0);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe(readFileSync(join(dir, 'b.json'), 'utf8'));
  });
  it('bad input: one clear line naming file, row and column, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-did-'));
    const f = join(dir, 'p.csv');
    writeFileSync(f, 'id,t,g,y\nc,1,0,NA\na,1,2,1\na,1,2,2\nb,1,0,3\nb,2,0,4\n');
    const { err } = capture();
    const code = await main(['node', 'trainlift', 'did', f, '--id', 'id', '--time', 't', '--group', 'g', '--outcome', 'y']);
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/p\.csv row 4: duplicate row for unit a in period 1/);
    const code2 = await main(['node', 'trainlift', 'did', f, '--id', 'id', '--time', 'nope', '--group', 'g', '--outcome', 'y']);
    expect(code2).toBe(1);
    expect(err.join('\n')).toMatch(/no column `nope`/);
  });
});
