import type { BaconDecomposition } from '../causal/bacon';
import type { PlotSpec } from './display';

const COLORS: Record<string, string> = {
  'treated vs never': '#2a9d8f',
  'earlier vs later': '#457b9d',
  'later vs earlier (already treated as controls)': '#e76f51',
};

/**
 * The Goodman-Bacon picture: every 2×2 comparison inside the TWFE estimate,
 * its weight (x) against its DiD (y), coloured by kind, with the TWFE
 * estimate (their weighted average) as a line. Red points are comparisons
 * that use already-treated units as controls.
 *
 * @example
 * baconPlot(bacon(panel)).data.length; // => 4 (three kinds and the TWFE line)
 */
export function baconPlot(decomposition: BaconDecomposition, opts: { title?: string; yTitle?: string; label?: (period: number) => string } = {}): PlotSpec {
  const cs = decomposition.comparisons;
  if (!cs || cs.length === 0) throw new RangeError('baconPlot: the decomposition has no comparisons');
  const label = opts.label ?? ((p: number) => (p === 0 ? 'never' : String(p)));
  const data: Record<string, unknown>[] = decomposition.byType.map((t) => {
    const pts = cs.filter((c) => c.type === t.type);
    return {
      type: 'scatter',
      mode: 'markers',
      name: `${t.type} (weight ${(100 * t.weight).toFixed(0)}%)`,
      x: pts.map((c) => c.weight),
      y: pts.map((c) => c.estimate),
      text: pts.map((c) => `cohort ${label(c.treated)} vs ${label(c.control)}`),
      marker: { size: 10, color: COLORS[t.type] },
      hovertemplate: '%{text}<br>weight %{x:.3f}, DiD %{y:.4g}<extra></extra>',
    };
  });
  const maxW = Math.max(...cs.map((c) => c.weight));
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: `TWFE = weighted average (${decomposition.weightedSum.toPrecision(4)})`,
    x: [0, maxW * 1.05],
    y: [decomposition.weightedSum, decomposition.weightedSum],
    line: { color: '#333', dash: 'dash' },
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'What TWFE averages: the 2×2 comparisons and their weights' },
      xaxis: { title: { text: 'weight in the TWFE estimate' }, rangemode: 'tozero' },
      yaxis: { title: { text: opts.yTitle ?? '2×2 DiD estimate' } },
      legend: { orientation: 'h', y: -0.25 },
    },
  };
}
