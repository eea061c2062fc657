import type { PlotSpec } from './display';

/** A point of an event-study path as plotted: estimate with its band. */
export interface EventStudyPlotPoint {
  e: number;
  estimate: number;
  lower?: number;
  upper?: number;
  se?: number;
}

/**
 * The event-study chart: the effect by months since completion with its
 * band (simultaneous when the path was bootstrapped), the zero line, the
 * completion month marked, and the true path overlaid when it is known
 * (synthetic data: truth.json's `path`, with 0 before completion).
 *
 * @example
 * const spec = eventStudyPlot(result.eventStudy, { truth: truth.effects.C04.revenue.path, yTitle: 'revenue per employee-month' });
 * spec.data.map((t) => t.name); // => ['95% band', 'estimate', 'true effect']
 */
export function eventStudyPlot(
  path: EventStudyPlotPoint[],
  opts: { truth?: Record<string, number>; title?: string; yTitle?: string; bandLabel?: string } = {},
): PlotSpec {
  if (!Array.isArray(path) || path.length === 0) throw new RangeError('eventStudyPlot: `path` must be a non-empty array of { e, estimate, lower, upper }');
  const pts = [...path].sort((a, b) => a.e - b.e);
  const e = pts.map((p) => p.e);
  const lower = pts.map((p) => p.lower ?? (p.se !== undefined ? p.estimate - 1.959964 * p.se : p.estimate));
  const upper = pts.map((p) => p.upper ?? (p.se !== undefined ? p.estimate + 1.959964 * p.se : p.estimate));
  const data: Record<string, unknown>[] = [
    {
      type: 'scatter',
      mode: 'lines',
      name: opts.bandLabel ?? '95% band',
      x: [...e, ...[...e].reverse()],
      y: [...upper, ...[...lower].reverse()],
      fill: 'toself',
      fillcolor: 'rgba(42,157,143,0.2)',
      line: { width: 0 },
      hoverinfo: 'skip',
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'estimate',
      x: e,
      y: pts.map((p) => p.estimate),
      line: { color: '#2a9d8f', width: 2 },
      marker: { size: 6 },
      hovertemplate: 'month %{x}: %{y:.4g}<extra></extra>',
    },
  ];
  if (opts.truth) {
    const te = e.filter((x) => x < 0 || opts.truth![String(x)] !== undefined);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'true effect',
      x: te,
      y: te.map((x) => (x < 0 ? 0 : opts.truth![String(x)])),
      line: { color: '#e76f51', dash: 'dash', width: 2 },
    });
  }
  const xMin = e[0] - 0.5;
  const xMax = e[e.length - 1] + 0.5;
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Effect by months since completion' },
      xaxis: { title: { text: 'months since completion (e)' }, dtick: 1, range: [xMin, xMax] },
      yaxis: { title: { text: opts.yTitle ?? 'effect on the outcome' }, zeroline: true },
      shapes: [
        { type: 'line', x0: xMin, x1: xMax, y0: 0, y1: 0, line: { color: '#333', width: 1 } },
        { type: 'line', x0: -0.5, x1: -0.5, yref: 'paper', y0: 0, y1: 1, line: { color: '#999', dash: 'dot', width: 1 } },
      ],
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}
