import type { RoiEntry } from '../core/study-result';
import type { PlotSpec } from './display';

/**
 * ROI per course with its 95 % interval, in percent, against the
 * break-even line (0 %) and the total-loss line (−100 %, where a course with
 * no detectable effect sits under *no data, no improvement*).
 *
 * @example
 * roiPlot([{ course: 'C01', benefit: 240000, cost: 100000, roi: 1.4, ci: [0.22, 2.58] }]).data[0].x; // => [140]
 */
export function roiPlot(entries: RoiEntry[], opts: { title?: string; titles?: Record<string, string> } = {}): PlotSpec {
  const name = (c: string) => opts.titles?.[c] ?? c;
  const y = entries.map((e) => name(e.course));
  const x = entries.map((e) => 100 * e.roi);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'ROI (95 % interval)',
        x,
        y,
        marker: { size: 11, color: entries.map((e) => (e.ci[0] > 0 ? '#2a9d8f' : e.ci[1] < 0 ? '#e76f51' : '#8d99ae')) },
        error_x: {
          type: 'data',
          symmetric: false,
          array: entries.map((e) => 100 * (e.ci[1] - e.roi)),
          arrayminus: entries.map((e) => 100 * (e.roi - e.ci[0])),
          thickness: 1.5,
        },
        hovertemplate: '%{y}: ROI %{x:.0f} %<extra></extra>',
      },
      { type: 'scatter', mode: 'lines', name: 'break-even (0 %)', x: [0, 0], y: [y[0] ?? '', y[y.length - 1] ?? ''], line: { dash: 'dash', color: '#333' } },
    ],
    layout: {
      title: { text: opts.title ?? 'Return on investment by course (95 % interval)' },
      xaxis: { title: { text: 'ROI, % ((benefit − cost) / cost)' }, zeroline: false },
      yaxis: { title: { text: 'course' }, automargin: true, type: 'category' },
      legend: { orientation: 'h', y: -0.2 },
      margin: { l: 120 },
    },
  };
}

/**
 * Benefit beside fully loaded cost per course, in the outcome's currency:
 * the two numbers behind each ROI.
 *
 * @example
 * benefitCostPlot([{ course: 'C01', benefit: 240000, cost: 100000, roi: 1.4, ci: [0.2, 2.6] }]).data.length; // => 2
 */
export function benefitCostPlot(entries: RoiEntry[], opts: { title?: string; currency?: string; titles?: Record<string, string> } = {}): PlotSpec {
  const x = entries.map((e) => opts.titles?.[e.course] ?? e.course);
  const cur = opts.currency ?? 'currency';
  return {
    data: [
      { type: 'bar', name: 'benefit (first year)', x, y: entries.map((e) => e.benefit), marker: { color: '#2a9d8f' } },
      { type: 'bar', name: 'fully loaded cost', x, y: entries.map((e) => e.cost), marker: { color: '#e9c46a' } },
    ],
    layout: {
      title: { text: opts.title ?? 'Benefit and cost by course' },
      barmode: 'group',
      xaxis: { title: { text: 'course' }, type: 'category' },
      yaxis: { title: { text: `amount (${cur})` } },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}
