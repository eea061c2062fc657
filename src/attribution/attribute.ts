import { markovAttribution, type MarkovOptions } from './markov';
import { PathCounts, poolSmallPaths } from './paths';
import { ATTRIBUTION_MODELS } from '../core/estimate';
import { AttributionModel, AttributionResult } from './result';
import { ruleAttribution, type RuleOptions } from './rules';
import { shapleyAttribution, type ShapleyOptions } from './shapley';

/** Options of {@link attribute}: each model reads its own; the rest are ignored. */
export interface AttributeOptions extends RuleOptions, Omit<MarkovOptions, 'courses'>, Omit<ShapleyOptions, 'courses'> {
  /**
   * Pool paths with fewer journeys than this by course set before
   * attributing (privacy minimum for employee data; default: no pooling, as
   * an aggregated file such as PathData is already anonymous).
   */
  minJourneys?: number;
}

type PathModel = Exclude<AttributionModel, 'causal'>;
const PATH_MODELS: Record<PathModel, (counts: PathCounts, opts: AttributeOptions) => AttributionResult> = {
  first_touch: (c, o) => ruleAttribution(c, 'first_touch', o),
  last_touch: (c, o) => ruleAttribution(c, 'last_touch', o),
  linear: (c, o) => ruleAttribution(c, 'linear', o),
  time_decay: (c, o) => ruleAttribution(c, 'time_decay', o),
  position_based: (c, o) => ruleAttribution(c, 'position_based', o),
  markov: (c, o) => markovAttribution(c, o),
  shapley: (c, o) => shapleyAttribution(c, o),
};

/** The models {@link attribute} runs on aggregated paths (all but `causal`). */
export const PATH_ATTRIBUTION_MODELS = Object.keys(PATH_MODELS) as PathModel[];

/**
 * Runs one attribution model on aggregated journeys, looked up by its
 * CONTRACT name. `causal` needs the employee panel: use `causalCredit`.
 *
 * @example
 * const counts = await readPathFile('data/channel_paths/path_data.csv',
 *   { path: 'path', conversions: 'total_conversions', value: 'total_conversion_value', nulls: 'total_null' });
 * attribute(counts, 'first_touch').conversions.alpha; // => 6308
 * attribute(counts, 'markov', { order: 2 }).credit;    // => shares summing to 1
 */
export function attribute(counts: PathCounts, model: AttributionModel, opts: AttributeOptions = {}): AttributionResult {
  if (model === 'causal') {
    throw new RangeError('attribute: the `causal` model needs the employee panel; call causalCredit(panel, ...) instead');
  }
  const run = PATH_MODELS[model as PathModel];
  if (!run) {
    throw new RangeError(`attribute: unknown model "${String(model)}"; expected one of ${PATH_ATTRIBUTION_MODELS.join(', ')}`);
  }
  let input = counts;
  const notes: string[] = [];
  if (opts.minJourneys !== undefined) {
    if (!Number.isInteger(opts.minJourneys) || opts.minJourneys < 1) {
      throw new RangeError(`attribute: \`minJourneys\` must be a positive integer, got ${opts.minJourneys}`);
    }
    const pooled = poolSmallPaths(counts, opts.minJourneys);
    input = pooled.counts;
    if (pooled.note) notes.push(pooled.note);
  }
  const result = run(input, opts);
  return { ...result, notes: [...notes, ...result.notes] };
}

/** True when `name` is one of the CONTRACT's attribution models. */
export function isAttributionModel(name: string): name is AttributionModel {
  return (ATTRIBUTION_MODELS as readonly string[]).includes(name);
}
