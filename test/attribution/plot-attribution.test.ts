import { describe, expect, it } from 'vitest';
import type { PathCounts } from '../../src/attribution/paths';
import { attribute } from '../../src/attribution/attribute';
import { creditByModelPlot, journeySankey, markovHeatmap } from '../../src/plot/attribution';

const counts: PathCounts = {
  paths: [['A', 'B'], ['A'], ['B'], []],
  conversions: Float64Array.of(6, 0, 5, 2),
  value: Float64Array.of(60, 0, 20, 10),
  nulls: Float64Array.of(0, 6, 5, 10),
};

describe('attribution plots', () => {
  it('credits by model: one trace per model plus the truth, with titles', () => {
    const spec = creditByModelPlot([attribute(counts, 'last_touch'), attribute(counts, 'linear')], { truth: { A: 0.5, B: 0.5 } });
    expect(spec.data.map((d) => d.name)).toEqual(['last_touch', 'linear', 'true share']);
    expect(spec.data[0].y).toEqual([0, 1]);
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe('share of credit');
  });
  it('sankey: links weighted by journeys, small links hidden', () => {
    const spec = journeySankey(counts, { minJourneys: 5 });
    const d = spec.data[0] as { node: { label: string[] }; link: { source: number[]; target: number[]; value: number[] } };
    const named = d.link.source.map((s, i) => `${d.node.label[s]}→${d.node.label[d.link.target[i]]}:${d.link.value[i]}`);
    expect(named).toEqual(['1. A→2. B:6', '2. B→conversion:6', '1. A→no conversion:6', '1. B→conversion:5', '1. B→no conversion:5', '(no training)→no conversion:10']);
  });
  it('heat map: rows are transient states, columns the next step', () => {
    const spec = markovHeatmap(counts);
    const d = spec.data[0] as { x: string[]; y: string[]; z: number[][] };
    expect(d.y).toEqual(['(start)', 'A', 'B']);
    expect(d.x).toEqual(['A', 'B', '(conversion)', '(null)']);
    expect(d.z[1]).toEqual([0, 0.5, 0, 0.5]);
  });
});
