// Text helpers for the HTML report: escaping and number formatting. Every
// string that reaches the page goes through escapeHtml, whatever its source.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 * Non-strings are converted with `String` first, so `null` shows as "null".
 *
 * @example
 * escapeHtml('<script>alert("x")</script>'); // => '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * A number for a report table: thousands separators for large values and
 * whole numbers, about three significant digits for small ones, "—" for NaN
 * or a missing value.
 * Fixed to en-US so the same result renders to the same bytes everywhere.
 *
 * @example
 * formatNumber(812.345);  // => '812.3'
 * formatNumber(1234567);  // => '1,234,567'
 * formatNumber(0.004321); // => '0.00432'
 * formatNumber(600);      // => '600'
 */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  let s: string;
  if (a >= 1000 || Number.isInteger(x)) s = x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  else if (a >= 100) s = x.toFixed(1);
  else if (a >= 1) s = x.toFixed(2);
  else if (a === 0) s = '0';
  else s = x.toPrecision(3);
  // A minus sign, not a hyphen, so columns of numbers line up and read well.
  return s.replace(/^-/, '−');
}

/**
 * A 95 % interval as "[lo, hi]".
 *
 * @example
 * formatInterval([625.9, 998.7]); // => '[625.9, 998.7]'
 */
export function formatInterval(ci: readonly [number, number] | undefined): string {
  if (!ci) return '—';
  return `[${formatNumber(ci[0])}, ${formatNumber(ci[1])}]`;
}

/**
 * A ratio as a whole percentage: 2.87 → "287 %".
 *
 * @example
 * formatPercent(2.87); // => '287 %'
 */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100).toLocaleString('en-US').replace(/^-/, '−')} %`;
}

/**
 * A count (employees, rows, completions) with thousands separators and no
 * decimals; "—" when missing.
 *
 * @example
 * formatCount(1450); // => '1,450'
 */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US').replace(/^-/, '−');
}
