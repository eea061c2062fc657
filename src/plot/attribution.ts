import type { CausalCreditResult } from '../attribution/causal-credit';
import { transitionMatrix } from '../attribution/markov';
import type { PathCounts } from '../attribution/paths';
import type { AttributionResult } from '../attribution/result';
import type { PlotSpec } from './display';

/** The known truth per course as black diamonds over the bars. */
function truthMarkers(courses: string[], truth: Record<string, number>, name: string): Record<string, unknown> {
  return { type: 'scatter', mode: 'markers', name, x: courses, y: courses.map((c) => truth[c] ?? 0), marker: { symbol: 'diamond', size: 12, color: '#111' } };
}

/**
 * Credit shares by model, side by side: one bar group per course, one bar
 * per model; an optional `truth` (true shares of the incremental outcome)
 * is drawn as black diamonds so over-credited courses stand out.
 *
 * @example
 * creditByModelPlot([lastTouch, shapley, causal], { truth: { C01: 0.2, C03: 0 } }).data.length; // => 4
 */
export function creditByModelPlot(
  results: readonly { model: string; credit: Record<string, number> }[],
  opts: { title?: string; truth?: Record<string, number> } = {},
): PlotSpec {
  if (results.length === 0) throw new RangeError('creditByModelPlot: `results` is empty');
  const courses = [...new Set(results.flatMap((r) => Object.keys(r.credit)))];
  const data: Record<string, unknown>[] = results.map((r) => ({
    type: 'bar',
    name: r.model,
    x: courses,
    y: courses.map((c) => r.credit[c] ?? 0),
    hovertemplate: `${r.model}: %{x} %{y:.1%}<extra></extra>`,
  }));
  if (opts.truth) data.push(truthMarkers(courses, opts.truth, 'true share'));
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Credit by model: share of the outcome given to each course' },
      barmode: 'group',
      xaxis: { title: { text: 'course' } },
      yaxis: { title: { text: 'share of credit' }, tickformat: '.0%' },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}

/**
 * Causal credit with its intervals: incremental outcome per course (bars with
 * 95% error bars), and the truth when known.
 *
 * @example
 * causalCreditPlot(res, { truth: { C01: 8.7e6 }, unit: 'revenue' }).layout;
 */
export function causalCreditPlot(
  result: CausalCreditResult,
  opts: { title?: string; truth?: Record<string, number>; unit?: string } = {},
): PlotSpec {
  const courses = Object.keys(result.incremental);
  const y = courses.map((c) => result.incremental[c]);
  const data: Record<string, unknown>[] = [
    {
      type: 'bar',
      name: 'causal credit (95% interval)',
      x: courses,
      y,
      error_y: {
        type: 'data',
        symmetric: false,
        array: courses.map((c, k) => result.intervals[c][1] - y[k]),
        arrayminus: courses.map((c, k) => y[k] - result.intervals[c][0]),
      },
      marker: { color: '#2a9d8f' },
    },
  ];
  if (opts.truth) data.push(truthMarkers(courses, opts.truth, 'truth'));
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Incremental outcome each course caused' },
      xaxis: { title: { text: 'course' } },
      yaxis: { title: { text: `incremental ${opts.unit ?? 'outcome'} over the window` } },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}

/**
 * A Sankey of journeys: step 1 → step 2 → ... → outcome, each link weighted
 * by journeys (conversions + nulls). Journeys longer than `maxSteps` are cut
 * (their tail goes straight to the outcome); links carrying fewer than
 * `minJourneys` journeys are left out (privacy, and legibility).
 *
 * @example
 * journeySankey(counts, { maxSteps: 3 }).data[0].type; // => 'sankey'
 */
export function journeySankey(counts: PathCounts, opts: { title?: string; maxSteps?: number; minJourneys?: number } = {}): PlotSpec {
  const maxSteps = opts.maxSteps ?? 4;
  const minJourneys = opts.minJourneys ?? 5;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`journeySankey: \`maxSteps\` must be a positive integer, got ${maxSteps}`);
  const nodeIndex = new Map<string, number>();
  const labels: string[] = [];
  const node = (label: string): number => {
    let i = nodeIndex.get(label);
    if (i === undefined) {
      i = labels.length;
      nodeIndex.set(label, i);
      labels.push(label);
    }
    return i;
  };
  const links = new Map<string, number>();
  const add = (a: string, b: string, w: number): void => {
    const key = `${node(a)}|${node(b)}`;
    links.set(key, (links.get(key) ?? 0) + w);
  };
  for (let r = 0; r < counts.paths.length; r++) {
    const path = counts.paths[r].slice(0, maxSteps);
    const steps = path.length === 0 ? ['(no training)'] : path.map((c, i) => `${i + 1}. ${c}`);
    for (let i = 0; i + 1 < steps.length; i++) add(steps[i], steps[i + 1], counts.conversions[r] + counts.nulls[r]);
    const last = steps[steps.length - 1];
    if (counts.conversions[r] > 0) add(last, 'conversion', counts.conversions[r]);
    if (counts.nulls[r] > 0) add(last, 'no conversion', counts.nulls[r]);
  }
  const kept = [...links.entries()].filter(([, w]) => w >= minJourneys);
  return {
    data: [
      {
        type: 'sankey',
        orientation: 'h',
        node: { label: labels, pad: 12, thickness: 14 },
        link: {
          source: kept.map(([k]) => Number(k.split('|')[0])),
          target: kept.map(([k]) => Number(k.split('|')[1])),
          value: kept.map(([, w]) => w),
        },
      },
    ],
    layout: {
      title: { text: opts.title ?? `Learning journeys, first ${maxSteps} steps (links under ${minJourneys} journeys hidden)` },
      xaxis: { title: { text: 'step in the journey' }, visible: false },
      yaxis: { title: { text: 'journeys' }, visible: false },
      showlegend: false,
    },
  };
}

/**
 * The first-order Markov transition matrix as a heat map: rows are where a
 * journey is, columns where it goes next (courses, conversion, null).
 *
 * @example
 * markovHeatmap(counts).data[0].type; // => 'heatmap'
 */
export function markovHeatmap(counts: PathCounts, opts: { title?: string; courses?: string[] } = {}): PlotSpec {
  const { labels, matrix } = transitionMatrix(counts, opts.courses);
  const rows = labels.length - 2; // absorbing rows are empty
  return {
    data: [
      {
        type: 'heatmap',
        name: 'P(next | now)',
        x: labels.slice(1),
        y: labels.slice(0, rows),
        z: matrix.slice(0, rows).map((row) => row.slice(1)),
        colorscale: 'Blues',
        zmin: 0,
        zmax: 1,
        hovertemplate: 'from %{y} to %{x}: %{z:.1%}<extra></extra>',
        colorbar: { title: { text: 'probability' } },
      },
    ],
    layout: {
      title: { text: opts.title ?? 'Markov chain of journeys: probability of the next step' },
      xaxis: { title: { text: 'next step' } },
      yaxis: { title: { text: 'current step' }, autorange: 'reversed' },
      showlegend: false,
    },
  };
}
