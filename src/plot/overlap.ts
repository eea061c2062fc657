import type { PlotSpec } from './display';

/**
 * Overlap of propensity scores: overlaid histograms (as shares of each group)
 * for treated and control units. Where a group has no mass the other has no
 * comparison.
 *
 * @example
 * showPlot(overlapPlot(ps.score, treat, { title: 'Who takes the course?' }));
 */
export function overlapPlot(score: Float64Array, treat: Float64Array, opts: { title?: string; xTitle?: string; bins?: number } = {}): PlotSpec {
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < score.length; i++) (treat[i] === 1 ? t : c).push(score[i]);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of score) {
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  const bins = opts.bins ?? 30;
  const xbins = { start: lo, end: hi + (hi - lo) * 1e-9, size: (hi - lo) / bins || 1 };
  return {
    data: [
      { type: 'histogram', name: `control (n = ${c.length})`, x: c, xbins, histnorm: 'probability', opacity: 0.6, marker: { color: '#7f7f7f' } },
      { type: 'histogram', name: `treated (n = ${t.length})`, x: t, xbins, histnorm: 'probability', opacity: 0.6, marker: { color: '#1f77b4' } },
    ],
    layout: {
      title: { text: opts.title ?? 'Propensity score overlap' },
      barmode: 'overlay',
      xaxis: { title: { text: opts.xTitle ?? 'propensity score' } },
      yaxis: { title: { text: 'share of the group' } },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}
