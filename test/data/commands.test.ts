// The data commands (src/cli/synth.ts, src/cli/validate.ts), run through the real program.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { formatProblems } from '../../src/cli/validate';
import { copyStudy, rewrite } from './helpers';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const ewrite = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    const code = await main(['node', 'trainlift', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    ewrite.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('trainlift synth', () => {
  it('writes a study folder and truth.json, same bytes for the same seed', async () => {
    const a = mkdtempSync(join(tmpdir(), 'tl-cli-'));
    const b = mkdtempSync(join(tmpdir(), 'tl-cli-'));
    const r = await run('synth', '--out', a, '--employees', '200', '--months', '24', '--seed', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*: employees, courses \(6\), training, outcomes, context, truth\.json \(scenario default, seed 5\)/);
    await run('synth', '--out', b, '--employees', '200', '--months', '24', '--seed', '5');
    for (const f of ['outcomes.csv', 'training.csv', 'truth.json']) expect(readFileSync(join(a, f))).toEqual(readFileSync(join(b, f)));
    expect(JSON.parse(readFileSync(join(a, 'truth.json'), 'utf8')).window).toEqual([1, 12]);
  });
  it('rejects a bad option in one line', async () => {
    const r = await run('synth', '--out', mkdtempSync(join(tmpdir(), 'tl-cli-')), '--scenario', 'rosy');
    expect(r.code).toBe(1);
    expect(r.err).toBe('trainlift synth: synthesizeCompany: unknown `scenario` "rosy"; the scenarios are default, null, randomized');
    const n = await run('synth', '--out', mkdtempSync(join(tmpdir(), 'tl-cli-')), '--employees', 'many');
    expect(n.code).toBe(1);
    expect(n.err).toMatch(/`--employees` must be an integer, got "many"/);
  });
});

describe('trainlift validate', () => {
  it('exits 0 on a clean folder', async () => {
    const r = await run('validate', 'data/sample');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 errors, 0 warnings/);
  });
  it('prints every problem as a table and exits 1 on errors', async () => {
    const dir = copyStudy('test/fixtures/tiny-study');
    rewrite(dir, 'training.csv', (s) => s.replace('2024-08-15,88', '2024-08-15,120'));
    const r = await run('validate', dir);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^severity\s+file\s+row\s+column\s+message$/);
    expect(r.out).toMatch(/error\s+training\.csv\s+2\s+score\s+expected a score in \[0, 100\], got 120/);
    expect(r.out).toMatch(/1 error, 1 warning/);
  });
  it('says so clearly when the folder does not exist', async () => {
    const r = await run('validate', 'no/such/dir');
    expect(r.code).toBe(1);
    expect(r.err).toBe('trainlift validate: loadStudy: no/such/dir: no such folder');
  });
  it('formats problems with aligned columns', () => {
    expect(formatProblems([{ severity: 'error', file: 'x/training.csv', row: 4, column: 'score', message: 'bad' }])).toBe(
      'severity  file          row  column  message\nerror     training.csv  4    score   bad',
    );
  });
});
