import type { SimulationRow } from '../compare/simulation';
import type { PlotSpec } from './display';

const PALETTE = ['#264653', '#2a9d8f', '#e9c46a', '#f4a261', '#e76f51', '#8d99ae'];

/**
 * The simulation study in one figure: bias per method (left, with ±RMSE as
 * whiskers) and 95 % interval coverage (right, against the nominal 95 % and
 * a 93–97 % band), one colour per scenario.
 *
 * @example
 * simulationPlot([{ scenario: 'baseline', method: 'aipw', replications: 200, failures: 0, meanTruth: 800,
 *   meanEstimate: 805, bias: 5, rmse: 60, coverage: 0.95, coverageMcse: 0.015, meanSe: 58, sdEstimate: 59, sdError: 58 }]).data.length; // => 2
 */
export function simulationPlot(rows: SimulationRow[], opts: { title?: string } = {}): PlotSpec {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  // One row of the chart per course and method (just the method when there is one course or none).
  const label = (r: SimulationRow) => (r.course !== undefined && new Set(rows.map((x) => x.course)).size > 1 ? `${r.course} · ${r.method}` : r.method);
  const methods = [...new Set(rows.map(label))];
  const data: Record<string, unknown>[] = [];
  scenarios.forEach((s, k) => {
    const rs = methods.map((m) => rows.find((r) => r.scenario === s && label(r) === m));
    const color = PALETTE[k % PALETTE.length];
    data.push({
      type: 'bar',
      orientation: 'h',
      name: `${s}: bias`,
      legendgroup: s,
      x: rs.map((r) => r?.bias ?? null),
      y: methods,
      error_x: { type: 'data', array: rs.map((r) => r?.rmse ?? null), thickness: 1, color: '#555' },
      marker: { color },
      xaxis: 'x',
      yaxis: 'y',
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `${s}: coverage`,
      legendgroup: s,
      x: rs.map((r) => (r ? 100 * r.coverage : null)),
      y: methods,
      error_x: { type: 'data', array: rs.map((r) => (r ? 196 * r.coverageMcse : null)), thickness: 1 },
      marker: { color, size: 10, symbol: 'diamond' },
      xaxis: 'x2',
      yaxis: 'y',
    });
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Simulation study: bias (±RMSE) and 95 % interval coverage' },
      barmode: 'group',
      xaxis: { domain: [0, 0.55], title: { text: 'bias (estimate − truth), whisker = RMSE' }, zeroline: true },
      xaxis2: { domain: [0.62, 1], title: { text: 'coverage of 95 % intervals, %' }, range: [0, 101] },
      yaxis: { title: { text: 'method' }, type: 'category', automargin: true },
      shapes: [
        { type: 'rect', xref: 'x2', yref: 'paper', x0: 93, x1: 97, y0: 0, y1: 1, fillcolor: '#2a9d8f', opacity: 0.15, line: { width: 0 } },
        { type: 'line', xref: 'x2', yref: 'paper', x0: 95, x1: 95, y0: 0, y1: 1, line: { dash: 'dash', color: '#333' } },
      ],
      legend: { orientation: 'h', y: -0.25 },
      margin: { l: 150 },
    },
  };
}
