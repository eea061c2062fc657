import { describe, expect, it } from 'vitest';
import type { Panel } from '../../src/data/panel';
import { journeysFromPanel } from '../../src/attribution/journeys';
import { calendarDay } from '../../src/data/schema';

// Two employees over 2024-01..2024-03. E1 completes A on 2024-01-10 and B on 2024-02-20; E2 takes nothing.
function tinyPanel(): Panel {
  const day = (m: number, d: number) => calendarDay(2024, m, d);
  return {
    periods: ['2024-01', '2024-02', '2024-03'],
    employees: ['E1', 'E2'],
    courses: ['A', 'B'],
    roleLevels: ['AE'],
    role: Int32Array.of(0, 0),
    nRows: 6,
    rowEmployee: Int32Array.of(0, 0, 0, 1, 1, 1),
    rowPeriod: Int32Array.of(0, 1, 2, 0, 1, 2),
    metricNames: ['revenue'],
    metrics: { revenue: Float64Array.of(5, 20, 30, 8, 12, NaN) },
    completions: {
      employee: Int32Array.of(0, 0),
      course: Int32Array.of(0, 1),
      period: Int32Array.of(0, 1),
      day: Int32Array.of(day(1, 10), day(2, 20)),
    },
  } as unknown as Panel;
}

describe('journeysFromPanel', () => {
  it('builds one journey per employee-month from the courses 1..12 months before', () => {
    const j = journeysFromPanel(tinyPanel(), { metric: 'revenue', conversionAbove: 10, minEmployees: 1 });
    expect(j.journeys).toBe(5); // E2's March is missing
    // Paths sorted by text: [] (E1 Jan, E2 Jan, E2 Feb), [A] (E1 Feb), [A, B] (E1 Mar).
    expect(j.counts.paths).toEqual([[], ['A'], ['A', 'B']]);
    expect(Array.from(j.counts.conversions)).toEqual([1, 1, 1]); // 12 > 10 for E2 Feb; 20; 30
    expect(Array.from(j.counts.nulls)).toEqual([2, 0, 0]);
    expect(Array.from(j.counts.value)).toEqual([12, 20, 30]);
    // Days before the month starts: A (Jan 10) is 22 days before Feb 1; in March, A 51 and B 10 days before.
    expect(Array.from(j.counts.daysBeforeEnd![1])).toEqual([22]);
    expect(Array.from(j.counts.daysBeforeEnd![2])).toEqual([51, 10]);
    expect(Array.from(j.employeesPerPath)).toEqual([2, 1, 1]);
  });
  it('cuts journeys by a lookback in days, and by the window', () => {
    const j = journeysFromPanel(tinyPanel(), { metric: 'revenue', conversionAbove: 10, minEmployees: 1, lookbackDays: 30 });
    expect(j.counts.paths).toEqual([[], ['A'], ['B']]);
    const w = journeysFromPanel(tinyPanel(), { metric: 'revenue', conversionAbove: 10, minEmployees: 1, window: [2, 12] });
    expect(w.counts.paths).toEqual([[], ['A']]);
  });
  it('uses the role median as the default conversion threshold', () => {
    // Role median of 5, 20, 30, 8, 12 is 12: conversions are 20 and 30 only.
    const j = journeysFromPanel(tinyPanel(), { metric: 'revenue', minEmployees: 1 });
    expect(Array.from(j.counts.conversions)).toEqual([0, 1, 1]);
    expect(j.notes[0]).toMatch(/above the role's median/);
  });
  it('pools paths walked by fewer employees than the privacy minimum and says so', () => {
    const j = journeysFromPanel(tinyPanel(), { metric: 'revenue', conversionAbove: 10 });
    expect(j.notes.join(' ')).toMatch(/2 paths walked by fewer than 5 employees were pooled by course set/);
    expect(j.notes.join(' ')).toMatch(/still have fewer than 5 employees/);
  });
  it('names a missing metric and bad options', () => {
    expect(() => journeysFromPanel(tinyPanel(), { metric: 'profit' })).toThrow(/no metric `profit`; the metrics are revenue/);
    expect(() => journeysFromPanel(tinyPanel(), { metric: 'revenue', window: [3, 1] })).toThrow(/`window` must be integers/);
    expect(() => journeysFromPanel(tinyPanel(), { metric: 'revenue', lookbackDays: -1 })).toThrow(/`lookbackDays` must be > 0/);
  });
});
