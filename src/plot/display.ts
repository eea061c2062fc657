import { readFileSync } from 'node:fs';
import { resolvePackageFile } from '../core/resolve';
import { escapeHtml, formatInterval, formatNumber } from '../report/html';

/** A plain Plotly figure: traces, layout and optional config. */
export interface PlotSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let plotlySourceCache: string | undefined;

/**
 * The plotly.js bundle (plotly.js-dist-min) as a string, read once per
 * process; both the notebook display and the HTML report embed it so that
 * their output opens offline.
 *
 * @example
 * plotlySource().length > 1e6; // => true (about 4.8 MB)
 */
export function plotlySource(): string {
  if (plotlySourceCache === undefined) {
    plotlySourceCache = readFileSync(resolvePackageFile('plotly.js-dist-min'), 'utf8');
  }
  return plotlySourceCache;
}

/**
 * A `<script>` element that defines `window.Plotly`. The bundle's text can
 * hold `</script` inside string literals; those are split so the HTML parser
 * does not end the element early.
 *
 * @example
 * plotlyLibraryScript().startsWith('<script'); // => true
 */
export function plotlyLibraryScript(): string {
  return `<script type="text/javascript">${plotlySource().replace(/<\/script/gi, '<\\/script')}</script>`;
}

/**
 * JSON for embedding inside an HTML `<script>`: `<`, `>`, `&` and the two
 * line separators that JavaScript string literals reject are escaped, so data
 * text such as a course title `</script><script>…` stays text.
 *
 * @example
 * scriptSafeJson({ title: '</script>' }); // => '{"title":"\\u003c/script\\u003e"}'
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * HTML for one chart: a `<div>` with the given id and a script that draws the
 * spec into it with the page's `window.Plotly`. When plotly.js is missing (for
 * example a notebook page reloaded without re-running the first chart) the div
 * says so instead of failing silently.
 *
 * @example
 * plotDivHtml({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: {} }, 'chart-1');
 * // => '<div id="chart-1" class="trainlift-plot" …></div><script>…Plotly.newPlot(…)…</script>'
 */
export function plotDivHtml(spec: PlotSpec, id: string, opts: { height?: number } = {}): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) {
    throw new RangeError(`plotDivHtml: \`id\` must be letters, digits, '-' or '_' starting with a letter, got ${JSON.stringify(id)}`);
  }
  const height = opts.height ?? 420;
  return (
    `<div id="${id}" class="trainlift-plot" style="width:100%;min-height:${height}px"></div>` +
    `<script type="text/javascript">(function(){var s=${scriptSafeJson(spec)};` +
    `var el=document.getElementById("${id}");` +
    `if(typeof window.Plotly==="undefined"){el.textContent="plotly.js is not loaded in this page: run resetPlotDisplay() and re-run the cell.";return;}` +
    `window.Plotly.newPlot(el,s.data,s.layout,Object.assign({responsive:true,displaylogo:false},s.config||{}));})();</script>`
  );
}

interface TslabDisplay {
  html(s: string): void;
}

/** The kernel hands its hooked `require` to cell code through this global. */
function tslabDisplay(): TslabDisplay {
  const hook = (globalThis as { __tslab__?: { require?: (name: string) => unknown } }).__tslab__;
  const tslab = hook?.require ? (hook.require('tslab') as { display?: TslabDisplay }) : undefined;
  if (!tslab?.display) {
    throw new Error('showPlot/showTable: run only inside the tslab notebook kernel (register it with `npm run notebooks:install`)');
  }
  return tslab.display;
}

let libraryShown = false;
let chartCounter = 0;

/**
 * Shows a Plotly figure inline in a Jupyter notebook on the tslab kernel.
 * plotly.js goes out once per kernel session, with the first chart; later
 * charts reuse the page's `window.Plotly`. Each chart is a plain HTML output,
 * so an executed notebook exported to HTML (nbconvert) still draws offline.
 * Synchronous, so a cell needs no `await`.
 *
 * @example
 * showPlot({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'Demo' } } });
 */
export function showPlot(spec: PlotSpec): void {
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.data)) {
    throw new TypeError('showPlot: `spec` must be a Plotly figure { data: [...], layout: {...} }');
  }
  const display = tslabDisplay();
  const id = `trainlift-plot-${process.pid}-${++chartCounter}`;
  const lib = libraryShown ? '' : plotlyLibraryScript();
  display.html(lib + plotDivHtml(spec, id));
  libraryShown = true;
}

/**
 * Makes the next {@link showPlot} embed plotly.js again: needed after the
 * notebook page was reloaded (or the first chart's output cleared) while the
 * kernel kept running.
 *
 * @example
 * resetPlotDisplay(); showPlot(spec); // this chart carries plotly.js again
 */
export function resetPlotDisplay(): void {
  libraryShown = false;
}

/** Rows to show: plain records, or anything with arquero's `objects()` (a ColumnTable). */
export type TableLike = readonly object[] | { objects(opts?: { limit?: number }): object[] };

const CELL = 'padding:3px 8px;';
const NUMERIC_CELL = `${CELL}text-align:right;font-variant-numeric:tabular-nums`;

function cellHtml(v: unknown): string {
  if (typeof v === 'number') return `<td style="${NUMERIC_CELL}">${escapeHtml(formatNumber(v))}</td>`;
  if (v === null || v === undefined) return `<td style="${CELL}color:#888">—</td>`;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) {
    return `<td style="${NUMERIC_CELL}">${escapeHtml(formatInterval(v as [number, number]))}</td>`;
  }
  return `<td style="${CELL}text-align:left">${escapeHtml(typeof v === 'object' ? JSON.stringify(v) : String(v))}</td>`;
}

/**
 * An HTML table of the first `limit` rows (default 20), numbers right-aligned
 * and rounded for reading, every value escaped. Intervals `[lo, hi]` print as
 * one cell.
 *
 * @example
 * tableHtml([{ course: 'C01', estimate: 812.34 }]); // => '<table …><tr><th>course</th>…<td …>812.3</td>…'
 */
export function tableHtml(rows: TableLike, opts: { limit?: number; caption?: string } = {}): string {
  const limit = opts.limit ?? 20;
  const list = (Array.isArray(rows) ? rows : (rows as { objects(): object[] }).objects()) as readonly Record<string, unknown>[];
  const shown = list.slice(0, limit);
  const columns: string[] = [];
  for (const r of shown) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const caption = opts.caption ? `<caption style="text-align:left;color:#555">${escapeHtml(opts.caption)}</caption>` : '';
  const more = list.length > shown.length ? `<p style="color:#666;font-size:12px">${list.length - shown.length} more rows not shown</p>` : '';
  return (
    `<table class="trainlift-table" style="border-collapse:collapse;font-size:13px">${caption}` +
    `<thead><tr>${columns.map((c) => `<th style="text-align:left;border-bottom:1px solid #999;padding:3px 8px">${escapeHtml(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${shown.map((r) => `<tr>${columns.map((c) => cellHtml(r[c])).join('')}</tr>`).join('')}</tbody></table>${more}`
  );
}

/**
 * Shows rows as a readable HTML table in the notebook (see {@link tableHtml}).
 *
 * @example
 * showTable(estimates.map((e) => ({ course: e.course, method: e.method, estimate: e.estimate, ci: e.ci })));
 */
export function showTable(rows: TableLike, opts: { limit?: number; caption?: string } = {}): void {
  tslabDisplay().html(tableHtml(rows, opts));
}
