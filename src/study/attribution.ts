import type { AttributionEntry } from '../core/study-result';
import { EstimationError } from '../core/errors';
import type { Panel } from '../data/panel';
import { attribute, PATH_ATTRIBUTION_MODELS } from '../attribution/attribute';
import { causalCredit } from '../attribution/causal-credit';
import { journeysFromPanel } from '../attribution/journeys';

/**
 * Every attribution model on the study's learning journeys (CONTRACT §3's
 * `attribution` array): the rule-based, Markov and Shapley models on the
 * journeys of employee-months (paths of fewer than `minGroupSize` employees
 * pooled), and the causal credit, whose total is the incremental outcome the
 * training caused. A model that cannot run is left out with a note; a
 * course completed by fewer than `minGroupSize` employees keeps its place in
 * the models but its credit is withheld.
 *
 * @example
 * studyAttribution(panel, { metric: 'revenue', window: [1, 12], seed: 1 }).entries.map((e) => e.model);
 * // => ['first_touch', 'last_touch', 'linear', 'time_decay', 'position_based', 'markov', 'shapley', 'causal']
 */
export function studyAttribution(
  panel: Panel,
  opts: { metric: string; window: [number, number]; seed: number; minGroupSize?: number; progress?: boolean },
): { entries: AttributionEntry[]; warnings: string[] } {
  const warnings: string[] = [];
  const entries: AttributionEntry[] = [];
  const journeys = journeysFromPanel(panel, { metric: opts.metric, window: opts.window, minEmployees: opts.minGroupSize ?? 5 });
  for (const model of PATH_ATTRIBUTION_MODELS) {
    try {
      const r = attribute(journeys.counts, model, { seed: opts.seed });
      entries.push({ model: r.model, credit: r.credit, conversions: r.conversions, value: r.value, notes: r.notes });
    } catch (e) {
      if (e instanceof EstimationError || e instanceof RangeError) warnings.push(`attribution ${model}: ${e.message}`);
      else throw e;
    }
  }
  try {
    const c = causalCredit(panel, { metric: opts.metric, window: opts.window, seed: opts.seed, progress: opts.progress });
    entries.push({ model: 'causal', credit: c.credit, incremental: c.incremental, intervals: c.intervals, notes: c.notes });
  } catch (e) {
    if (e instanceof EstimationError || e instanceof RangeError) warnings.push(`attribution causal: ${e.message}`);
    else throw e;
  }
  // A course completed by fewer than minGroupSize employees: its credit would describe a handful of people.
  const min = opts.minGroupSize ?? 5;
  const few = panel.courses.filter((c, k) => {
    let n = 0;
    for (const g of panel.firstCompletion[k]) if (g >= 0) n++;
    return n > 0 && n < min;
  });
  if (few.length > 0) {
    for (const entry of entries) {
      for (const field of ['credit', 'conversions', 'value', 'incremental', 'intervals'] as const) {
        const byCourse = entry[field] as Record<string, unknown> | undefined;
        if (byCourse) for (const c of few) delete byCourse[c];
      }
    }
    warnings.push(`attribution: ${few.join(', ')} ${few.length === 1 ? 'was' : 'were'} completed by fewer than ${min} employees; ${few.length === 1 ? 'its' : 'their'} credit is withheld (the models still account for ${few.length === 1 ? 'it' : 'them'})`);
  }
  return { entries, warnings };
}
