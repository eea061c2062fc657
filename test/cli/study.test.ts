import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/main';

describe('trainlift study', () => {
  it('studies several outcomes into one JSON and one report with distinct anchors and charts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-cli-study-'));
    const json = join(dir, 'out.json');
    const html = join(dir, 'out.html');
    const code = await main(['node', 'trainlift', 'study', 'data/sample', '--outcome', 'revenue,close_rate', '--course', 'C04',
      '--bootstrap', '0', '--no-attribution', '--quiet', '--json', json, '--html', html]);
    process.exitCode = 0;
    expect(code).toBe(0);
    const out = JSON.parse(readFileSync(json, 'utf8'));
    expect(out.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(['revenue', 'close_rate']);
    expect(out.outcomes[1].verdicts[0]).toEqual(expect.objectContaining({ course: 'C04', verdict: 'effective' }));
    // Each outcome's evaluation levels count both outcomes of the report as isolated.
    for (const o of out.outcomes) expect(o.kirkpatrick[3].evidence).toBe('result metrics: revenue, close_rate, isolated by the causal estimates; also in outcomes.csv, not studied here: deals_won');
    const page = readFileSync(html, 'utf8');
    const ids = [...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['o1', 'o2', 'o1-verdicts', 'o2-verdicts', 'o1-chart-1', 'o2-chart-1']));
    // plotly.js embedded once for both outcomes
    expect(page.match(/\* plotly\.js v\d/g)).toHaveLength(1);
  }, 300_000);

  it('samples each cohort’s controls when asked (--controls-per-trained, --min-controls) and says so; all keeps every one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-cli-study-'));
    const args = (extra: string[], json: string) => ['node', 'trainlift', 'study', 'data/sample', '--outcome', 'revenue', '--course', 'C01',
      '--bootstrap', '0', '--no-attribution', '--quiet', '--json', json, ...extra];
    const sampled = join(dir, 'sampled.json');
    const all = join(dir, 'all.json');
    expect(await main(args(['--controls-per-trained', '3', '--min-controls', '40'], sampled))).toBe(0);
    expect(await main(args(['--controls-per-trained', 'all'], all))).toBe(0);
    process.exitCode = 0;
    const a = JSON.parse(readFileSync(sampled, 'utf8'));
    const b = JSON.parse(readFileSync(all, 'utf8'));
    const note = (j: { data: { warnings?: string[] } }) => (j.data.warnings ?? []).find((w) => /random sample of its controls/.test(w));
    expect(note(a)).toMatch(/^C01: .* control rows in \d+ cohorts \(at most 3 per trained employee, at least 40 a cohort, seed 1\)/);
    expect(note(b)).toBeUndefined();
    const ra = (j: { estimates: { method: string; estimate: number; se: number; nControl?: number }[] }) => j.estimates.find((e) => e.method === 'regression_adjustment')!;
    expect(ra(a).estimate).not.toBe(ra(b).estimate);
    expect(Math.abs(ra(a).estimate - ra(b).estimate)).toBeLessThan(2 * ra(b).se);
    // the panel methods use every employee either way
    const did = (j: { estimates: { method: string; estimate: number }[] }) => j.estimates.find((e) => e.method === 'did_staggered')!.estimate;
    expect(did(a)).toBe(did(b));
  }, 300_000);

  it('rejects a control sampling it cannot draw, in one line', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a.join(' '));
    try {
      expect(await main(['node', 'trainlift', 'study', 'data/sample', '--outcome', 'revenue', '--controls-per-trained', '0', '--quiet'])).toBe(1);
      expect(await main(['node', 'trainlift', 'study', 'data/sample', '--outcome', 'revenue', '--min-controls', '0', '--quiet'])).toBe(1);
    } finally {
      console.error = orig;
      process.exitCode = 0;
    }
    expect(errors[0]).toMatch(/^trainlift study: `--controls-per-trained` must be a number > 0 or all, got "0"/);
    expect(errors[1]).toMatch(/^trainlift study: `--min-controls` must be an integer ≥ 1, got "0"/);
  });

  it('rejects a seed no generator takes before anything runs, in one line', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a.join(' '));
    try {
      expect(await main(['node', 'trainlift', 'study', 'data/sample', '--outcome', 'revenue', '--seed', '4294967295', '--quiet'])).toBe(1);
      expect(await main(['node', 'trainlift', 'synth', '--out', 'unused-dir', '--seed', '-1'])).toBe(1);
    } finally {
      console.error = orig;
      process.exitCode = 0;
    }
    expect(errors[0]).toMatch(/^trainlift study: `--seed` must be an integer from 0 to 2147483647, got "4294967295"$/);
    expect(errors[1]).toMatch(/^trainlift synth: `--seed` must be an integer from 0 to 2147483647, got "-1"$/);
  });

  it('rejects an empty outcome list in one line', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a.join(' '));
    try {
      expect(await main(['node', 'trainlift', 'study', 'data/sample', '--outcome', ' , ', '--quiet'])).toBe(1);
    } finally {
      console.error = orig;
      process.exitCode = 0;
    }
    expect(errors.join('\n')).toMatch(/^trainlift study: `--outcome` needs at least one metric name/);
  });
});
