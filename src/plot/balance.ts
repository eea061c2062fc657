import type { BalanceRow } from '../causal/balance';
import { BALANCE_THRESHOLDS } from '../causal/balance';
import type { PlotSpec } from './display';

/**
 * Love plot: absolute standardised mean differences of each covariate before
 * and after matching or weighting, with the 0.1 rule-of-thumb line. `hide`
 * leaves out covariates whose names start with any of the given prefixes
 * (e.g. the many `cohort…` indicators of stacked data).
 *
 * @example
 * showPlot(lovePlot(estimate.diagnostics.balance as BalanceRow[], { title: 'Balance after matching' }));
 */
export function lovePlot(rows: BalanceRow[], opts: { title?: string; afterLabel?: string; hide?: string[] } = {}): PlotSpec {
  const hide = opts.hide ?? [];
  rows = rows.filter((r) => !hide.some((prefix) => r.name.startsWith(prefix)));
  const names = rows.map((r) => r.name).reverse();
  const pick = (f: (r: BalanceRow) => number) => rows.map(f).reverse();
  return {
    data: [
      { type: 'scatter', mode: 'markers', name: 'before', x: pick((r) => Math.abs(r.smdBefore)), y: names, marker: { symbol: 'circle-open', size: 10, color: '#d62728' } },
      { type: 'scatter', mode: 'markers', name: opts.afterLabel ?? 'after', x: pick((r) => Math.abs(r.smdAfter)), y: names, marker: { symbol: 'circle', size: 10, color: '#1f77b4' } },
    ],
    layout: {
      title: { text: opts.title ?? 'Covariate balance (love plot)' },
      xaxis: { title: { text: '|standardised mean difference|' }, rangemode: 'tozero' },
      yaxis: { title: { text: 'covariate' }, automargin: true },
      shapes: [{ type: 'line', xref: 'x', yref: 'paper', x0: BALANCE_THRESHOLDS.smd, x1: BALANCE_THRESHOLDS.smd, y0: 0, y1: 1, line: { color: '#888', dash: 'dot' } }],
      legend: { orientation: 'h', y: -0.2 },
      height: 160 + 28 * rows.length,
    },
  };
}
