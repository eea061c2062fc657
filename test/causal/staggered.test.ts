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

describe('didStaggered, doubly robust with the covariate lpop (mpdta)', () => {
  const dr = JSON.parse(readFileSync('test/fixtures/mpdta/dr_reference.json', 'utf8'));
  let input: PanelInput;
  beforeAll(async () => {
    const { loadFlatTable, numericColumn } = await import('../../src/data/flat-table');
    input = await loadMpdta();
    input.covariates = [{ name: 'lpop', values: numericColumn(await loadFlatTable('data/mpdta/mpdta.csv'), 'lpop') }];
  });
  it('not-yet-treated controls: the published event-time path (4 decimals), group and simple aggregates', () => {
    const r = didStaggered(input, { control: 'notyet', covariates: true, window: [0, 3] });
    for (const [e, v] of Object.entries(dr.notyet.eventTime)) {
      expect(Math.abs(r.eventStudy.find((p) => p.e === Number(e))!.estimate - (v as number))).toBeLessThan(5e-5);
    }
    expect(Math.abs(r.aggregates.group.estimate - dr.notyet.group)).toBeLessThan(5e-5);
    expect(Math.abs(r.aggregates.simple.estimate - dr.notyet.simple)).toBeLessThan(1e-6);
    // analytic SE of the group aggregate within the range of the published bootstrap SEs (0.0121 to 0.0138)
    expect(r.aggregates.group.se).toBeGreaterThan(0.0121 * 0.9);
    expect(r.aggregates.group.se).toBeLessThan(0.0138 * 1.1);
  });
  it('never-treated controls: simple aggregate and ATT(2004, 2004)', () => {
    const r = didStaggered(input, { control: 'never', covariates: true });
    expect(Math.abs(r.aggregates.simple.estimate - dr.never.simple)).toBeLessThan(1e-6);
    expect(Math.abs(r.attgt.find((c) => c.group === 2004 && c.time === 2004)!.estimate - dr.never.attgt_2004_2004)).toBeLessThan(5e-5);
  });
  it('a constant covariate is refused (collinear with the intercept); an irrelevant one barely moves the estimate', () => {
    const flat = { ...input, covariates: [{ name: 'one', values: new Float64Array(input.y.length).fill(3) }] };
    expect(() => didStaggered(flat, { control: 'never', covariates: true })).toThrow(EstimationError);
    const noisy = { ...input, covariates: [{ name: 'z', values: Float64Array.from(input.unit, (u) => (u % 7) / 7) }] };
    const a = didStaggered(noisy, { control: 'never', covariates: true });
    const b = didStaggered(input, { control: 'never' });
    // an irrelevant covariate moves the estimates only a little
    expect(Math.abs(a.aggregates.group.estimate - b.aggregates.group.estimate)).toBeLessThan(0.005);
  });
  it('a covariate that changes within a unit is refused, naming the row', () => {
    const bad = { ...input, covariates: [{ name: 'lpop', values: Float64Array.from(input.y) }] };
    expect(() => didStaggered(bad, { covariates: true })).toThrow(/covariate `lpop` changes within a unit/);
  });
});

describe('didStaggered when the window cannot be estimated', () => {
  // 20 units over periods 1..10; `treatedAt` gives each unit's first treated period (0 = never).
  const panelOf = (treatedAt: (u: number) => number): PanelInput => {
    const unit: number[] = [];
    const time: number[] = [];
    const y: number[] = [];
    const group: number[] = [];
    for (let u = 0; u < 20; u++) {
      for (let t = 1; t <= 10; t++) {
        unit.push(u);
        time.push(t);
        y.push(u + t + (treatedAt(u) > 0 && t >= treatedAt(u) ? 2 : 0) + ((u * 7 + t * 3) % 5) / 10);
        group.push(treatedAt(u));
      }
    }
    return { unit: Int32Array.from(unit), time: Int32Array.from(time), y: Float64Array.from(y), group: Int32Array.from(group) };
  };
  it('says the window lacks a comparison group when everyone was treated within two months, not that it is too early', () => {
    const r = didStaggered(panelOf((u) => (u < 10 ? 4 : 5)), { control: 'notyet', window: [1, 3] });
    expect(Number.isNaN(r.aggregates.window.estimate)).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/no cohort has a comparison group at event times 1\.\.3 \(the window\): every ATT\(g, t\) there lacks valid control units/);
    expect(r.warnings.join('\n')).not.toMatch(/too early to judge/);
  });
  it('says it is too early when the window lies past the data', () => {
    const r = didStaggered(panelOf((u) => (u < 10 ? 10 : 0)), { control: 'notyet', window: [1, 3] });
    expect(r.warnings.join('\n')).toMatch(/no cohort is observed at event times 1\.\.3 \(the window\): the window ATT cannot be estimated yet \(too early to judge\)/);
  });
});
