import type { Estimate } from '../core/estimate';
import type { PlotSpec } from './display';

/**
 * Forest plot of several estimates: one row per estimate (labelled by
 * course and method), a point with its 95% interval, a zero line and, when
 * known, the true effect as a dashed line.
 *
 * @example
 * showPlot(forestPlot([naive, reg, psm, w, dr], { truth: 850, title: 'C01 on revenue' }));
 */
export function forestPlot(estimates: Estimate[], opts: { truth?: number; title?: string; xTitle?: string } = {}): PlotSpec {
  const labels = estimates.map((e) => (e.course ? `${e.course} · ${e.method}` : e.method));
  // Plotly draws categories bottom-up; reverse so the first estimate is on top.
  const order = labels.map((_, i) => estimates.length - 1 - i);
  const y = order.map((i) => labels[i]);
  const x = order.map((i) => estimates[i].estimate);
  const data: Record<string, unknown>[] = [
    {
      type: 'scatter',
      mode: 'markers',
      name: 'estimate with 95% CI',
      x,
      y,
      marker: { size: 9, color: '#1f77b4' },
      error_x: {
        type: 'data',
        symmetric: false,
        array: order.map((i) => estimates[i].ci[1] - estimates[i].estimate),
        arrayminus: order.map((i) => estimates[i].estimate - estimates[i].ci[0]),
      },
      text: order.map((i) => `n = ${estimates[i].nTreated} treated / ${estimates[i].nControl} control`),
      hovertemplate: '%{y}: %{x:,.2f}<br>%{text}<extra></extra>',
    },
  ];
  const shapes: Record<string, unknown>[] = [
    { type: 'line', xref: 'x', yref: 'paper', x0: 0, x1: 0, y0: 0, y1: 1, line: { color: '#888', width: 1 } },
  ];
  if (opts.truth !== undefined) {
    data.push({ type: 'scatter', mode: 'lines', name: `truth (${opts.truth.toLocaleString('en-US', { maximumFractionDigits: 2 })})`, x: [opts.truth, opts.truth], y: [y[0], y[y.length - 1]], line: { color: '#d62728', dash: 'dash' } });
  }
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Estimates with 95% confidence intervals' },
      xaxis: { title: { text: opts.xTitle ?? 'effect on the outcome (ATT)' }, zeroline: false },
      yaxis: { title: { text: 'method' }, automargin: true },
      shapes,
      showlegend: true,
      legend: { orientation: 'h', y: -0.2 },
      height: 140 + 40 * estimates.length,
    },
  };
}
