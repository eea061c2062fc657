import { describe, expect, it } from 'vitest';
import { escapeHtml, formatCount, formatInterval, formatNumber, formatPercent } from '../../src/report/html';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('null');
  });
});

describe('number formatting', () => {
  it('rounds for reading: separators for large and whole numbers, three significant digits for small ones', () => {
    expect(formatNumber(812.345)).toBe('812.3');
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(600)).toBe('600');
    expect(formatNumber(12.4)).toBe('12.40');
    expect(formatNumber(0.004321)).toBe('0.00432');
    expect(formatNumber(-20.9)).toBe('−20.90');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
  });

  it('formats intervals, counts and ratios as percentages', () => {
    expect(formatInterval([625.94, 998.7])).toBe('[625.9, 998.7]');
    expect(formatInterval(undefined)).toBe('—');
    expect(formatCount(1449.6)).toBe('1,450');
    expect(formatPercent(2.87)).toBe('287 %');
    expect(formatPercent(-1)).toBe('−100 %');
    expect(formatPercent(Infinity)).toBe('—');
  });
});
