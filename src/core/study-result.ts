import type { Estimate } from './estimate';

/**
 * What `trainlift study` produces: the JSON of CONTRACT §3 plus what the HTML
 * report needs. Fields beyond the contract are optional so that a JSON file
 * written by an older version still renders.
 */
export interface StudyResult {
  outcome: string;
  window: [number, number];
  data: {
    employees: number;
    courses: number;
    completions: number;
    periods: [string, string];
    warnings: string[];
  };
  estimates: Estimate[];
  eventStudy: EventStudyEntry[];
  attribution: AttributionEntry[];
  roi: RoiEntry[];
  /** Plain-words verdict per course. */
  verdicts?: CourseVerdict[];
  /** Course id → title, for display. */
  courseTitles?: Record<string, string>;
  /** Data problems found by validation (never rows of individuals beyond file/row/column). */
  problems?: { severity: 'error' | 'warning'; file: string; row: number | null; column: string | null; message: string }[];
  /** Cleaning steps applied and what each changed. */
  cleaning?: { step: string; changed: number; note: string }[];
  /** Model comparison against the truth when the folder is synthetic (truth.json present). */
  comparison?: Record<string, unknown>;
  /** Plain-words method notes shown in the report. */
  notes?: string[];
  reproducibility?: { version: string; seed: number; generatedBy: string; fingerprints: Record<string, string> };
  /** Refutation tests and sensitivity to an unobserved confounder, per course. */
  robustness?: CourseRobustness[];
  /** Which Kirkpatrick levels (1 reaction … 5 ROI) the data supports. */
  kirkpatrick?: { level: number; name: string; supported: boolean; evidence: string }[];
}

/** Refuters and sensitivity for one course's estimate, each answered in words. */
export interface CourseRobustness {
  course: string;
  /** The estimate the checks were run on. */
  method: string;
  refutations: { refuter: string; passed: boolean | null; reading: string }[];
  sensitivity?: { eValue: number; eValueCi: number; robustnessValue: number; reading: string[] };
}

export interface EventStudyEntry {
  course: string;
  method: string;
  path: { e: number; estimate: number; se: number; lower?: number; upper?: number; truth?: number }[];
  /** Simultaneous band critical value, when bootstrapped. */
  criticalValue?: number;
  preTrend?: { statistic: number; df: number; pValue: number };
}

export interface AttributionEntry {
  model: string;
  /** Share per course; sums to 1 for every model but `causal` (less the share of a course withheld for having too few employees). */
  credit: Record<string, number>;
  /** For `causal`: incremental outcome per course in the metric's units. */
  incremental?: Record<string, number>;
  intervals?: Record<string, [number, number]>;
  conversions?: Record<string, number>;
  value?: Record<string, number>;
  notes?: string[];
}

export interface RoiEntry {
  course: string;
  benefit: number;
  cost: number;
  /** ROI as a ratio: (benefit − cost) / cost; 2.87 means 287 %. */
  roi: number;
  ci: [number, number];
  bcr?: number;
  method?: string;
  notes?: string[];
}

export type VerdictKind = 'effective' | 'no detectable effect' | 'too early to judge' | 'methods disagree' | 'harmful';

export interface CourseVerdict {
  course: string;
  verdict: VerdictKind;
  /** One or two sentences a CFO can read. */
  reason: string;
  recommended?: Estimate;
}
