import type { Panel } from '../data/panel';
import { formatCount as count } from '../report/html';

/** What a study's data holds, as far as the Kirkpatrick/Phillips levels care. */
export interface KirkpatrickInput {
  /** Training records with status `completed`. */
  completions: number;
  /** Training records of any status (enrolments); dropped and in-progress count here. */
  enrolments?: number;
  /** Completions that carry an assessment score. */
  scored?: number;
  /** Outcome metric names in outcomes.csv. */
  metrics: string[];
  /**
   * Metric names that measure behaviour on the job (level 3). When omitted,
   * names are classified by {@link classifyMetric}.
   */
  behaviourMetrics?: string[];
  /** Whether a causal estimate of a result metric exists (isolation, Phillips' step before ROI). */
  hasEffectEstimate?: boolean;
  /**
   * The metrics this study estimated effects on (its outcomes), when known:
   * level 4's evidence then names those as isolated and the other result
   * metrics as present but not studied, instead of every result metric as
   * isolated. Level 4 is supported only when one of them is a result metric.
   */
  studied?: string[];
  /** Whether costs are known (cost per learner, hours × hourly cost or fixed cost). */
  hasCosts?: boolean;
}

/** One level and whether this study's data can speak to it. */
export interface KirkpatrickLevel {
  level: 1 | 2 | 3 | 4 | 5;
  name: string;
  supported: boolean;
  /** Plain words: what in the data supports the level, or what is missing. */
  evidence: string;
}

// Words that mark activity on the job rather than its business result.
const BEHAVIOUR_WORDS = ['call', 'meeting', 'activit', 'email', 'visit', 'demo', 'ticket', 'login', 'usage', 'adoption', 'touch', 'task', 'coaching', 'handle_time', 'aht', 'response'];
const RESULT_WORDS = ['revenue', 'sales', 'deal', 'won', 'close', 'margin', 'profit', 'csat', 'nps', 'churn', 'retention', 'quota', 'attainment', 'bookings', 'pipeline', 'cost', 'error', 'defect', 'incident'];

/**
 * Whether a metric name reads as on-the-job behaviour (Kirkpatrick level 3)
 * or a business result (level 4). Names matching neither list count as
 * results, since outcomes.csv holds business outcomes by contract.
 *
 * @example
 * classifyMetric('calls_made'); // => 'behaviour'
 * classifyMetric('revenue');    // => 'result'
 */
export function classifyMetric(name: string): 'behaviour' | 'result' {
  const n = name.toLowerCase();
  if (RESULT_WORDS.some((w) => n.includes(w))) return 'result';
  if (BEHAVIOUR_WORDS.some((w) => n.includes(w))) return 'behaviour';
  return 'result';
}

/**
 * Which of the five evaluation levels (Kirkpatrick 1–4, Phillips' ROI as 5)
 * the study's data supports, each with the evidence in words. Level 1
 * (reaction) is read from completions and drop-outs, since LMS exports rarely
 * carry satisfaction surveys; level 2 (learning) needs assessment scores.
 *
 * @example
 * kirkpatrickLevels({ completions: 120, scored: 80, metrics: ['revenue', 'calls_made'],
 *   hasEffectEstimate: true, hasCosts: true }).map((l) => l.supported);
 * // => [true, true, true, true, true]
 */
export function kirkpatrickLevels(input: KirkpatrickInput): KirkpatrickLevel[] {
  if (!Number.isInteger(input.completions) || input.completions < 0) {
    throw new RangeError(`kirkpatrickLevels: \`completions\` must be an integer ≥ 0, got ${input.completions}`);
  }
  if (!Array.isArray(input.metrics)) throw new TypeError('kirkpatrickLevels: `metrics` must be an array of metric names');
  const behaviour = input.behaviourMetrics ?? input.metrics.filter((m) => classifyMetric(m) === 'behaviour');
  const results = input.metrics.filter((m) => !behaviour.includes(m));
  const studied = input.studied;
  // The result metrics the causal estimates isolate (all of them when the study's outcomes are not given), then the rest.
  const isolated = studied ? studied.filter((m) => results.includes(m)) : results;
  const others = studied ? results.filter((m) => !studied.includes(m)) : [];
  const scored = input.scored ?? 0;
  const enrol = input.enrolments;
  const rate = enrol !== undefined && enrol > 0 ? ` (${((100 * input.completions) / enrol).toFixed(0)} % of ${count(enrol)} enrolments)` : '';
  const resultsEvidence = (): string => {
    if (results.length === 0) return 'no business result metric in outcomes.csv';
    const notStudied = others.length > 0 ? `; also in outcomes.csv, not studied here: ${others.join(', ')}` : '';
    if (isolated.length === 0) return `result metrics in outcomes.csv: ${results.join(', ')}, none of them an outcome of this study`;
    if (input.hasEffectEstimate === false) return `result metrics: ${isolated.join(', ')}, but no causal estimate isolates the course${notStudied}`;
    return `result metrics: ${isolated.join(', ')}, isolated by the causal estimates${notStudied}`;
  };
  return [
    {
      level: 1,
      name: 'Reaction',
      supported: input.completions > 0,
      evidence: input.completions > 0 ? `${count(input.completions)} completions${rate}; no satisfaction survey, so completion stands in for reaction` : 'no completions recorded',
    },
    {
      level: 2,
      name: 'Learning',
      supported: scored > 0,
      evidence: scored > 0 ? `${count(scored)} completions carry an assessment score` : 'no assessment scores in training.csv',
    },
    {
      level: 3,
      name: 'Behaviour',
      supported: behaviour.length > 0,
      evidence: behaviour.length > 0 ? `behaviour metrics: ${behaviour.join(', ')}` : 'no on-the-job behaviour metric (calls, meetings, activities) in outcomes.csv',
    },
    {
      level: 4,
      name: 'Results',
      supported: isolated.length > 0 && input.hasEffectEstimate !== false,
      evidence: resultsEvidence(),
    },
    {
      level: 5,
      name: 'ROI',
      supported: isolated.length > 0 && input.hasEffectEstimate !== false && input.hasCosts === true,
      evidence: input.hasCosts === true ? 'costs are known, so benefits can be set against them' : 'no costs given (cost_per_learner, hours × hourly cost, or fixed cost)',
    },
  ];
}

/**
 * The Kirkpatrick input read off a panel: completions (repeats included),
 * enrolments (completions + drop-outs), scored first completions, metrics.
 *
 * @example
 * kirkpatrickLevels(kirkpatrickInputFromPanel(panel, { hasEffectEstimate: true, hasCosts: true }));
 */
export function kirkpatrickInputFromPanel(
  panel: Pick<Panel, 'completions' | 'dropouts' | 'firstScore' | 'metricNames'>,
  facts: { hasEffectEstimate?: boolean; hasCosts?: boolean; studied?: string[] } = {},
): KirkpatrickInput {
  let scored = 0;
  for (const s of panel.firstScore) for (let e = 0; e < s.length; e++) if (!Number.isNaN(s[e])) scored++;
  const completions = panel.completions.employee.length;
  return {
    completions,
    enrolments: completions + panel.dropouts.employee.length,
    scored,
    metrics: panel.metricNames.slice(),
    hasEffectEstimate: facts.hasEffectEstimate,
    hasCosts: facts.hasCosts,
    ...(facts.studied ? { studied: facts.studied.slice() } : {}),
  };
}
