import { loadFlatTable, numericColumn } from '../../src/data/flat-table';
import type { PanelInput } from '../../src/causal/panel-input';

/** mpdta (did package) as a PanelInput: unit countyreal, time year, group first.treat, outcome lemp. */
export async function loadMpdta(): Promise<PanelInput> {
  const t = await loadFlatTable('data/mpdta/mpdta.csv');
  return {
    unit: Int32Array.from(numericColumn(t, 'countyreal')),
    time: Int32Array.from(numericColumn(t, 'year')),
    group: Int32Array.from(numericColumn(t, 'first.treat')),
    y: numericColumn(t, 'lemp'),
  };
}
