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
    const page = readFileSync(html, 'utf8');
    const ids = [...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['o1', 'o2', 'o1-verdicts', 'o2-verdicts', 'o1-chart-1', 'o2-chart-1']));
    // plotly.js embedded once for both outcomes
    expect(page.match(/\* plotly\.js v\d/g)).toHaveLength(1);
  }, 300_000);

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
