import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

const dir = mkdtempSync(join(tmpdir(), 'trainlift-attribute-cli-'));
const base = ['node', 'trainlift', 'attribute'];
const pathData = ['data/channel_paths/path_data.csv', '--path', 'path', '--conversions', 'total_conversions',
  '--value', 'total_conversion_value', '--null', 'total_null'];

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { out: () => out.join('\n'), err: () => err.join('\n') };
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('trainlift attribute', () => {
  it('prints credits by model and writes the CONTRACT JSON', async () => {
    const io = capture();
    const json = join(dir, 'attr.json');
    const code = await main([...base, ...pathData, '--model', 'first_touch,last_touch,linear,markov', '--json', json]);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/alpha\s+0\.3188\s+0\.4269\s+0\.3829/);
    expect(io.out()).toMatch(/alpha\s+6308\.00\s+8447\.00\s+7574\.72/);
    const written = JSON.parse(readFileSync(json, 'utf8')) as { attribution: { model: string; credit: Record<string, number>; conversions: Record<string, number>; value: Record<string, number> }[] };
    expect(written.attribution.map((a) => a.model)).toEqual(['first_touch', 'last_touch', 'linear', 'markov']);
    expect(written.attribution[2].conversions.alpha).toBeCloseTo(7574.72, 2);
    expect(written.attribution[1].value.beta).toBeCloseTo(3850.02, 2);
    const markovShares = Object.values(written.attribution[3].credit).reduce((a, b) => a + b, 0);
    expect(markovShares).toBeCloseTo(1, 12);
  });
  it('bad input ends in one line and exit code 1', async () => {
    const io = capture();
    expect(await main([...base, ...pathData, '--model', 'magic'])).toBe(1);
    expect(io.err()).toMatch(/trainlift attribute: `--model`: unknown model "magic"; expected one of first_touch/);
    const neg = join(dir, 'neg.csv');
    writeFileSync(neg, 'path,conv\nA>B,1\nB,-2\n');
    expect(await main([...base, neg, '--path', 'path', '--conversions', 'conv'])).toBe(1);
    expect(io.err()).toMatch(/neg\.csv row 3, column `conv`: expected a finite number >= 0, got -2/);
    expect(await main([...base, neg, '--conversions', 'conv'])).toBe(1);
    expect(io.err()).toMatch(/`--path` is required/);
    expect(io.err()).not.toMatch(/at .*\.ts:\d+/);
  });
});
