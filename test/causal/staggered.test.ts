import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { didStaggered, type PanelInput } from '../../src/causal/staggered';
import { DataError, EstimationError } from '../../src/core/errors';
import { loadMpdta } from './mpdta-input';

const ref = JSON.parse(readFileSync('test/fixtures/mpdta/mpdta_reference.json', 'utf8'));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('didStaggered on mpdta (never-treated controls, varying base)', () => {
  let input: PanelInput;
  let r: ReturnType<typeof didStaggered>;
  beforeAll(async () => {
    input = await loadMpdta();
    r = didStaggered(input, { control: 'never', window: [0, 3] });
  });
  it('reproduces every ATT(g, t) of the oracle to 1e-5', () => {
    expect(r.attgt).toHaveLength(12);
    for (const c of ref.attgt) {
      const mine = r.attgt.find((x) => x.group === c.group && x.time === c.time)!;
      expect(Math.abs(mine.estimate - c.estimate)).toBeLessThan(1e-5);
    }
  });
  it('reproduces the simple, group and event-time aggregates and their parts', () => {
    expect(Math.abs(r.aggregates.simple.estimate - ref.aggregates.simple)).toBeLessThan(1e-6);
    expect(Math.abs(r.aggregates.group.estimate - ref.aggregates.group)).toBeLessThan(1e-6);
    expect(Math.abs(r.aggregates.dynamic.estimate - ref.aggregates.dynamic)).toBeLessThan(1e-6);
    for (const [g, v] of Object.entries(ref.groupEffects)) {
      expect(Math.abs(r.groupEffects.find((x) => x.group === Number(g))!.estimate - (v as number))).toBeLessThan(1e-6);
    }
    for (const [e, v] of Object.entries(ref.eventTime)) {
      expect(Math.abs(r.eventStudy.find((x) => x.e === Number(e))!.estimate - (v as number))).toBeLessThan(1e-6);
    }
  });
  it('gives analytic SEs within 10% of the published bootstrap SEs', () => {
    const pub = ref.publishedBootstrapSe;
    expect(rel(r.aggregates.group.se, pub.group)).toBeLessThan(0.1);
    expect(rel(r.aggregates.dynamic.se, pub.dynamic)).toBeLessThan(0.1);
    for (const [key, se] of Object.entries(pub.attgt)) {
      const [g, t] = key.split(',').map(Number);
      expect(rel(r.attgt.find((x) => x.group === g && x.time === t)!.se, se as number)).toBeLessThan(0.1);
    }
  });
  it('window ATT over e = 0..3 weights cells by treated units (equals the simple ATT on a balanced panel)', () => {
    expect(Math.abs(r.aggregates.window.estimate - r.aggregates.simple.estimate)).toBeLessThan(1e-12);
    expect(Math.abs(r.aggregates.window.se - r.aggregates.simple.se)).toBeLessThan(1e-12);
  });
  it('bootstrap SEs agree with the analytic ones and the band is simultaneous (wider than pointwise)', () => {
    const b = didStaggered(input, { control: 'never', bootstrap: { draws: 999, seed: 1 } });
    expect(rel(b.aggregates.group.se, ref.publishedBootstrapSe.group)).toBeLessThan(0.1);
    expect(rel(b.aggregates.dynamic.se, ref.publishedBootstrapSe.dynamic)).toBeLessThan(0.1);
    expect(b.criticalValue).toBeGreaterThan(1.96);
    expect(b.criticalValue).toBeLessThan(3.5);
    const again = didStaggered(input, { control: 'never', bootstrap: { draws: 999, seed: 1 } });
    expect(again.aggregates.group.se).toBe(b.aggregates.group.se);
  });
  it('pre-trend test on e = -3..-1 does not reject on mpdta', () => {
    expect(r.preTrend!.df).toBe(3);
    expect(r.preTrend!.pValue).toBeGreaterThan(0.05);
  });
});
