import { describe, expect, it } from 'vitest';
import { didStaggered } from '../../src/causal/staggered';
import { groupFromTreatment } from '../../src/causal/panel-input';
import { DataError, EstimationError } from '../../src/core/errors';

// Hand-worked panel: A first treated in 2, B in 3, C never; periods 1..3.
const unit = Int32Array.of(1, 1, 1, 2, 2, 2, 3, 3, 3);
const time = Int32Array.of(1, 2, 3, 1, 2, 3, 1, 2, 3);
const group = Int32Array.of(2, 2, 2, 3, 3, 3, 0, 0, 0);
const y = Float64Array.of(0, 3, 5, 0, 1, 6, 0, 1, 2);
const cell = (r: ReturnType<typeof didStaggered>, g: number, t: number) => r.attgt.find((c) => c.group === g && c.time === t)!.estimate;

describe('didStaggered on a hand-worked panel', () => {
  it('uses not-yet-treated units as controls until they are treated', () => {
    const r = didStaggered({ unit, time, group, y }, { control: 'notyet', window: [0, 1] });
    expect(cell(r, 2, 2)).toBeCloseTo(2, 12); // A: 3 − mean(B 1, C 1)
    expect(cell(r, 2, 3)).toBeCloseTo(3, 12); // A: 5 − C 2 (B treated at 3)
    expect(cell(r, 3, 2)).toBeCloseTo(0, 12); // pre-period: B 1 − C 1
    expect(cell(r, 3, 3)).toBeCloseTo(4, 12); // B: 6 − 1 vs C: 2 − 1
    expect(r.aggregates.simple.estimate).toBeCloseTo(3, 12);
    expect(r.aggregates.window.estimate).toBeCloseTo(3, 12);
    expect(r.eventStudy.map((p) => p.e)).toEqual([-1, 0, 1]);
    expect(r.eventStudy[1].estimate).toBeCloseTo(3, 12);
  });
  it('universal base period: every cell compares with g − 1, and e = −1 is exactly 0', () => {
    const r = didStaggered({ unit, time, group, y }, { control: 'never', basePeriod: 'universal', window: [0, 1] });
    expect(cell(r, 3, 1)).toBeCloseTo(0 - 1 - (0 - 1), 12); // y(1) − y(2) for B vs C
    expect(cell(r, 3, 2)).toBe(0);
    expect(r.eventStudy.find((p) => p.e === -1)!.estimate).toBeCloseTo(0, 12);
  });
  it('anticipation moves the base period one step earlier', () => {
    const r = didStaggered({ unit, time, group, y }, { control: 'never', anticipation: 1, window: [0, 1] });
    // cohort 2 now has no untreated period: dropped with a warning; cohort 3 compares with period 1
    expect(r.warnings.join(' ')).toMatch(/cohort 2 is treated from the first period/);
    expect(cell(r, 3, 3)).toBeCloseTo(6 - 0 - (2 - 0), 12);
  });
});

describe('didStaggered bad input', () => {
  it('names the cohort and the periods without valid controls', () => {
    const noNever = Int32Array.of(2, 2, 2, 3, 3, 3, 3, 3, 3);
    const r = didStaggered({ unit, time, group: noNever, y }, { control: 'notyet', window: [0, 1] });
    expect(r.warnings.join('\n')).toMatch(/cohort 3 has no valid control units \(not yet treated\) in periods 2\.\.3/);
    expect(() => didStaggered({ unit, time, group: noNever, y }, { control: 'never' })).toThrow(/no unit is never treated/);
  });
  it('rejects duplicate unit-period rows, naming the row', () => {
    const u = Int32Array.of(1, 1, 2, 2);
    const t = Int32Array.of(1, 1, 1, 2);
    expect(() => didStaggered({ unit: u, time: t, group: Int32Array.of(2, 2, 0, 0), y: Float64Array.of(1, 2, 3, 4), source: 'p.csv' })).toThrow(
      /p\.csv row 3: duplicate row for unit 1 in period 1/,
    );
  });
  it('rejects a cohort that changes within a unit, and treatment that switches off', () => {
    expect(() => didStaggered({ unit, time, group: Int32Array.of(2, 3, 2, 3, 3, 3, 0, 0, 0), y })).toThrow(DataError);
    expect(() => groupFromTreatment(Int32Array.of(1, 1, 1), Int32Array.of(1, 2, 3), Float64Array.of(0, 1, 0))).toThrow(
      /treated from period 2 but untreated again in period 3/,
    );
    expect(Array.from(groupFromTreatment(Int32Array.of(1, 1, 2, 2), Int32Array.of(2, 1, 1, 2), Float64Array.of(1, 0, 0, 0)))).toEqual([2, 2, 0, 0]);
  });
  it('handles gaps and units with no untreated period, and says so', () => {
    // drop C's period 2 (a gap) and add unit 4, first seen already treated
    const u = Int32Array.of(1, 1, 1, 2, 2, 2, 3, 3, 4, 4);
    const t = Int32Array.of(1, 2, 3, 1, 2, 3, 1, 3, 2, 3);
    const g = Int32Array.of(2, 2, 2, 3, 3, 3, 0, 0, 2, 2);
    const v = Float64Array.of(0, 3, 5, 0, 1, 6, 0, 2, 7, 7);
    const r = didStaggered({ unit: u, time: t, group: g, y: v }, { control: 'notyet', window: [0, 1] });
    expect(r.warnings.join('\n')).toMatch(/1 units have gaps/);
    expect(r.warnings.join('\n')).toMatch(/1 treated units have no untreated period/);
    expect(cell(r, 2, 2)).toBeCloseTo(3 - 1, 12); // only B is a control observed at 1 and 2
    expect(cell(r, 2, 3)).toBeCloseTo(5 - 2, 12);
  });
  it('warns when the window reaches beyond the data, and reports NaN when none of it is observed', () => {
    const r = didStaggered({ unit, time, group, y }, { control: 'never', window: [1, 12] });
    expect(r.warnings.join('\n')).toMatch(/event times 2\.\.12 are not observed/);
    const late = didStaggered({ unit, time, group, y }, { control: 'never', window: [5, 6] });
    expect(Number.isNaN(late.aggregates.window.estimate)).toBe(true);
    expect(late.warnings.join('\n')).toMatch(/too early to judge/);
  });
  it('rejects bad options and panels with nothing to estimate', () => {
    expect(() => didStaggered({ unit, time, group, y }, { anticipation: -1 })).toThrow(RangeError);
    expect(() => didStaggered({ unit, time, group, y }, { window: [3, 1] })).toThrow(RangeError);
    expect(() => didStaggered({ unit, time, group: new Int32Array(9), y })).toThrow(EstimationError);
    expect(() => didStaggered({ unit, time, group, y: Float64Array.of(0, NaN, 5, 0, 1, 6, 0, 1, 2) })).toThrow(/row 2: outcome is missing/);
  });
});

describe('cohortSizes', () => {
  it('counts units per first treated period', async () => {
    const { cohortSizes } = await import('../../src/causal/panel-input');
    expect(cohortSizes({ unit, time, group, y })).toEqual([{ group: 2, units: 1 }, { group: 3, units: 1 }]);
  });
});
