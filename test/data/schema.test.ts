import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDay, formatMonth, metricMayBeNegative, metricUpperBound, monthOfDay, normaliseColumnName, normaliseId, parseIsoDay, parseMonth } from '../../src/data/schema';

describe('schema parsers', () => {
  it('parse ISO dates and months strictly', () => {
    expect(parseIsoDay('2024-03-15')).toBe(19797);
    expect(formatDay(19797)).toBe('2024-03-15');
    expect(parseIsoDay('2024-02-29')).toBe(19782);
    expect(parseIsoDay('2023-02-29')).toBeNaN();
    expect(parseIsoDay('2024-3-15')).toBeNaN();
    expect(parseMonth('2024-03')).toBe(650);
    expect(formatMonth(650)).toBe('2024-03');
    expect(formatMonth(-1)).toBe('1969-12');
    expect(parseMonth('2024-00')).toBeNaN();
  });
  it('finds the month of any day, agreeing with Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200000, max: 200000 }), (day) => {
        const d = new Date(day * 86400000);
        expect(monthOfDay(day)).toBe((d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth());
      }),
    );
  });
  it('normalises names and ids', () => {
    expect(normaliseColumnName(' Hire_Date ')).toBe('hire_date');
    expect(normaliseId(' e0012 ')).toBe('E0012');
  });
  it('decides which metrics may be negative and which are rates', () => {
    expect(metricMayBeNegative('revenue')).toBe(false);
    expect(metricMayBeNegative('net_revenue')).toBe(true);
    expect(metricMayBeNegative('margin')).toBe(true);
    expect(metricUpperBound('close_rate')).toBe(1);
    expect(metricUpperBound('quota_pct')).toBe(100);
    expect(metricUpperBound('deals_won')).toBe(Infinity);
  });
});
