import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, type Rng } from '../stats/rng';
import { formatDay, formatMonth, calendarDay, parseMonth } from './schema';

/** Options of the synthetic company. */
export interface SynthOptions {
  /** Employees on the books at the start or hired during the window (default 2000). */
  employees?: number;
  /** Months of outcome data (default 30). */
  months?: number;
  /** Seed of every random draw (default 7). Same seed and options, same bytes. */
  seed?: number;
  /** A key of `SCENARIOS` (default `'default'`). */
  scenario?: string;
  /** Inject realistic export faults (duplicates, id case and spaces, mixed date formats, missing months, orphans, a dropped column). */
  messy?: boolean;
  /** First outcome month, `YYYY-MM` (default `'2024-01'`). */
  start?: string;
  /** Also return Y(0) of every treated employee-month (for tests that recompute the truth). */
  recordPotentialOutcomes?: boolean;
  /**
   * How many courses of the catalogue the company runs: 6 (default, C01–C06,
   * each with its trap) or 8 (adds C07, a compliance refresher everyone takes
   * in the first two months of the year, with no effect, and C08, a
   * territory-planning course taken at random by people with a year's
   * tenure, +3 % revenue). The first six courses, and every draw for them,
   * are the same either way up to the point where C07 or C08 first draws.
   */
  courses?: number;
}

/**
 * Y(0) for one course of every employee-month at or after that course's first
 * completion: the same draw without that course's effect. Y(1) is the value
 * in outcomes.csv.
 */
export interface PotentialOutcomes {
  course: string[];
  employee: string[];
  period: string[];
  revenue: Float64Array;
  deals_won: Float64Array;
  close_rate: Float64Array;
}

/** The true effect of one course on one metric, from the potential outcomes drawn. */
export interface TrueEffect {
  /** Mean of Y(1) − Y(0) over treated employee-months with months-since-first-completion e in the window. */
  att: number;
  /** The same mean for each e (keys '0', '1', ...) up to the longest observed. */
  path: Record<string, number>;
  /** Employees contributing at least one employee-month to `att`. */
  nTreated: number;
  /** Employee-months in the window; `att * treatedMonths` is the total incremental outcome. */
  treatedMonths: number;
}

/** truth.json: what every estimator should recover. */
export interface Truth {
  seed: number;
  window: [number, number];
  scenario: string;
  effects: Record<string, Record<string, TrueEffect>>;
}

/** The files of a synthetic study folder as CSV text, plus its truth. */
export interface SynthCompany {
  files: Record<'employees' | 'courses' | 'training' | 'outcomes' | 'context', string>;
  truth: Truth;
  /** Only with `recordPotentialOutcomes`. */
  potential?: PotentialOutcomes;
}

/**
 * Named scenarios of the synthetic company.
 *
 * @example
 * Object.keys(SCENARIOS); // => ['default', 'null', 'randomized']
 */
export const SCENARIOS: Record<string, string> = {
  default: 'six courses, each with its trap: self-selection, regression to the mean, seasonal bunching, regional waves with a learning curve, a fading effect, a recent launch',
  null: 'the default company with every course effect set to zero (placebo runs): whatever a method finds is its bias',
  randomized: 'the default effects, but enrolment does not depend on ability, past results or season: naive comparisons are nearly unbiased',
};

const METRICS = ['revenue', 'deals_won', 'close_rate'] as const;
const WINDOW: [number, number] = [1, 12];

const ROLES = ['AE', 'SDR', 'AM', 'Support'];
const ROLE_SHARE = [0.35, 0.25, 0.2, 0.2];
const ROLE_DEPARTMENT = ['Sales', 'Sales', 'Account Management', 'Customer Success'];
/** Expected monthly revenue of a fully ramped level-1 employee, by role. */
const ROLE_REVENUE = [40000, 12000, 30000, 6000];
/** Revenue per deal, by role: deals_won ≈ revenue / deal size. */
const ROLE_DEAL_SIZE = [8000, 3000, 6000, 1500];
const ROLE_CLOSE = [0.24, 0.12, 0.32, 0.4];
const REGIONS = ['North', 'South', 'East', 'West', 'Central'];
const REGION_SHARE = [0.25, 0.2, 0.2, 0.2, 0.15];
/** Calendar-month revenue factors: a Q4 peak (Nov, Dec) and quarter-end bumps. */
const SEASON = [0.92, 0.94, 1.02, 0.96, 0.98, 1.03, 0.95, 0.94, 1.02, 1.04, 1.12, 1.28];

/** One course of the synthetic company and its true effect at full strength. */
interface CourseDef {
  id: string;
  title: string;
  cost: number;
  hours: number;
  /** Revenue effect at full strength, as a share of the employee's expected revenue level. */
  revenueShare: number;
  /** close_rate effect at full strength, in rate points. */
  closePoints: number;
  /** Effect strength at e months after the first completion (e ≥ 1); e = 0 is untreated. */
  shape: (e: number) => number;
  /** Whether the course has an assessment; the score scales the effect. */
  scored: boolean;
}

const COURSES: CourseDef[] = [
  { id: 'C01', title: 'Consultative Selling', cost: 1200, hours: 16, revenueShare: 0.06, closePoints: 0.02, shape: () => 1, scored: true },
  { id: 'C02', title: 'Performance Recovery Plan', cost: 600, hours: 8, revenueShare: 0.01, closePoints: 0.005, shape: () => 1, scored: true },
  { id: 'C03', title: 'Negotiation Masterclass', cost: 450, hours: 6, revenueShare: 0, closePoints: 0, shape: () => 1, scored: true },
  { id: 'C04', title: 'CRM Mastery', cost: 300, hours: 4, revenueShare: 0.08, closePoints: 0.02, shape: (e) => Math.min(e, 6) / 6, scored: false },
  { id: 'C05', title: 'Product Launch Briefing', cost: 150, hours: 2, revenueShare: 0.07, closePoints: 0.015, shape: (e) => Math.pow(0.7, e - 1), scored: true },
  { id: 'C06', title: 'AI Sales Assistant', cost: 900, hours: 10, revenueShare: 0.05, closePoints: 0.01, shape: () => 1, scored: true },
  // Only with `courses: 8`.
  { id: 'C07', title: 'Compliance Refresher', cost: 50, hours: 1, revenueShare: 0, closePoints: 0, shape: () => 1, scored: false },
  { id: 'C08', title: 'Territory Planning', cost: 400, hours: 6, revenueShare: 0.03, closePoints: 0.005, shape: () => 1, scored: false },
];

/** How an assessment score scales a course's effect: 60 → 0.4, 80 → 1.0, 100 → 1.6 (clipped to [0.2, 1.6]). */
function scoreMultiplier(score: number): number {
  return Math.min(1.6, Math.max(0.2, 0.4 + (1.2 * (score - 60)) / 40));
}

function pick(rng: Rng, shares: number[]): number {
  const u = rng.uniform();
  let acc = 0;
  for (let j = 0; j < shares.length; j++) {
    acc += shares[j];
    if (u < acc) return j;
  }
  return shares.length - 1;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
function revenueOf(latent: number): number {
  return round2(Math.max(0, latent));
}
function dealsOf(latent: number): number {
  return Math.max(0, Math.round(latent));
}
function closeOf(latent: number): number {
  return round4(Math.min(1, Math.max(0, latent)));
}

function checkOptions(opts: SynthOptions): Required<SynthOptions> {
  const o = { employees: 2000, months: 30, seed: 7, scenario: 'default', messy: false, start: '2024-01', recordPotentialOutcomes: false, courses: 6, ...opts };
  if (o.courses !== 6 && o.courses !== 8) throw new RangeError(`synthesizeCompany: \`courses\` must be 6 or 8, got ${o.courses}`);
  if (!Number.isInteger(o.employees) || o.employees < 10) throw new RangeError(`synthesizeCompany: \`employees\` must be an integer ≥ 10, got ${o.employees}`);
  if (!Number.isInteger(o.months) || o.months < 18 || o.months > 240) throw new RangeError(`synthesizeCompany: \`months\` must be an integer in [18, 240], got ${o.months}`);
  if (!(o.scenario in SCENARIOS)) throw new RangeError(`synthesizeCompany: unknown \`scenario\` "${o.scenario}"; the scenarios are ${Object.keys(SCENARIOS).join(', ')}`);
  if (Number.isNaN(parseMonth(o.start))) throw new RangeError(`synthesizeCompany: \`start\` must be a month YYYY-MM, got "${o.start}"`);
  return o;
}

/** Per-course running sums of Y(1) − Y(0) by months since completion, per metric. */
interface TruthSums {
  sum: Float64Array[]; // [k * 3 + metric], indexed by e
  count: Float64Array[]; // [k], indexed by e
  inWindow: Uint8Array[]; // [k], per employee: contributed a month in the window
}

/**
 * Simulates a company with known causal truth: ~`employees` people over
 * `months` months, their training records and monthly results, and the true
 * effect of every course, computed from the potential outcomes drawn.
 *
 * The model, per employee i and month t (all draws from one seeded generator):
 * - role (AE, SDR, AM, Support), region (5), level 1–4, a latent ability
 *   a ~ N(0, 1), a hire month (15% hired during the window, new hires ramp up
 *   over six months) and a monthly termination hazard (higher for low a);
 *   `manager_rating` 1–5 is a noisy pre-period reading of a;
 * - untrained revenue Y0 = role level × ramp × season (Q4 peak) × regional
 *   `market_index` (context.csv; a downturn in South, a boom in East) ×
 *   (1 + 0.15 a) + AR(1) noise (ρ = 0.55, sd 10% of the level), so a bad
 *   quarter is partly luck and regresses to the mean;
 * - deals_won = round(revenue / deal size + noise); close_rate = role base +
 *   0.03 a + AR(1) noise, clipped to [0, 1];
 * - each course adds, from the month after the first completion (e ≥ 1),
 *   `revenueShare` × level × shape(e) × score multiplier to revenue and
 *   `closePoints` × shape(e) × multiplier to close_rate; effects add up
 *   across courses. The courses and their traps are listed in
 *   data/sample/README.md.
 *
 * truth.json holds, for every course and metric, the mean of Y(1) − Y(0)
 * (observed outcome minus the same draw without that course's effect) over
 * treated employee-months with e in [1, 12], the path by e, the number of
 * treated employees and of treated employee-months. Months after termination
 * or after the data end do not exist and do not count.
 *
 * @example
 * const { files, truth } = synthesizeCompany({ employees: 500, seed: 1 });
 * files.outcomes.split('\n')[0]; // => 'employee_id,period,revenue,deals_won,close_rate'
 * truth.effects.C03.revenue.att; // => 0 (the popular course does nothing)
 */
export function synthesizeCompany(opts: SynthOptions = {}): SynthCompany {
  const o = checkOptions(opts);
  const COURSE_LIST = COURSES.slice(0, o.courses);
  const K = COURSE_LIST.length;
  const rng = createRng(o.seed);
  const N = o.employees;
  const M = o.months;
  const start = parseMonth(o.start);
  const nullEffects = o.scenario === 'null';
  const randomized = o.scenario === 'randomized';
  const idWidth = Math.max(5, String(N).length);
  const idOf = (i: number) => `E${String(i + 1).padStart(idWidth, '0')}`;

  // Regional market index, rounded as written, so context.csv is exactly what moved outcomes.
  const market = new Float64Array(REGIONS.length * M);
  const downturnStart = Math.round(0.4 * M);
  const boomStart = Math.round(0.55 * M);
  for (let r = 0; r < REGIONS.length; r++) {
    let drift = 0;
    const trend = (rng.uniform() - 0.3) * 0.002;
    for (let t = 0; t < M; t++) {
      drift = 0.7 * drift + 0.003 * rng.normal();
      let shock = 0;
      if (r === 1 && t >= downturnStart && t < downturnStart + 9) shock = -0.06 * Math.sin((Math.PI * (t - downturnStart + 1)) / 10);
      if (r === 2 && t >= boomStart) shock = 0.04 * Math.min(1, (t - boomStart + 1) / 4);
      market[r * M + t] = round4(1 + trend * t + drift + shock);
    }
  }

  // Region r gets the CRM course (C04) in month waveStart[r].
  const waveStart = [0.2, 0.33, 0.47, 0.6, 0.73].map((f) => Math.round(f * M));
  const c05Start = Math.round(0.1 * M);
  const c06Start = M - 5;

  const sums: TruthSums = {
    sum: Array.from({ length: K * 3 }, () => new Float64Array(M)),
    count: Array.from({ length: K }, () => new Float64Array(M)),
    inWindow: Array.from({ length: K }, () => new Uint8Array(N)),
  };

  const empLines = new LineBuffer('employee_id,hire_date,termination_date,role,department,region,level,manager_rating');
  const trainLines = new LineBuffer('employee_id,course_id,status,completed_on,score');
  const outLines = new LineBuffer('employee_id,period,revenue,deals_won,close_rate');

  const pot = o.recordPotentialOutcomes
    ? { course: [] as string[], employee: [] as string[], period: [] as string[], revenue: [] as number[], deals_won: [] as number[], close_rate: [] as number[] }
    : undefined;
  const first = new Int32Array(K);
  const mult = new Float64Array(K);
  const repeated = new Uint8Array(K);
  const droppedOnce = new Uint8Array(K);
  const recent = new Float64Array(3);
  const effR = new Float64Array(K);
  const effC = new Float64Array(K);
  const dayIn = (t: number, d: number) => {
    const m = start + t;
    return calendarDay(Math.floor(m / 12) + 1970, (m % 12) + 1, d);
  };
  // Latest day used this month, so a termination never precedes a completion or the hire.
  let lastDay = 0;
  const dayInMonth = (t: number) => {
    const d = 1 + rng.int(28);
    if (d > lastDay) lastDay = d;
    return formatDay(dayIn(t, d));
  };

  for (let i = 0; i < N; i++) {
    const id = idOf(i);
    const role = pick(rng, ROLE_SHARE);
    const region = pick(rng, REGION_SHARE);
    const a = rng.normal();
    const hire = rng.uniform() < 0.15 ? rng.int(M) : -1 - rng.int(96);
    const tenureAtStart = Math.max(0, -hire);
    const level = Math.min(4, Math.max(1, 1 + Math.floor(tenureAtStart / 36 + 0.5 * a + rng.uniform())));
    const rating = Math.min(5, Math.max(1, Math.round(3 + 0.8 * a + 0.7 * rng.normal())));
    const levelRevenue = ROLE_REVENUE[role] * (1 + 0.1 * (level - 1));
    const hireDom = 1 + rng.int(28);
    const hireDay = dayIn(hire, hireDom);
    first.fill(-1);
    mult.fill(1);
    repeated.fill(0);
    droppedOnce.fill(0);
    let u = 0.1 * levelRevenue * rng.normal();
    let v = 0.03 * rng.normal();
    let nRecent = 0;
    let term = Number.MAX_SAFE_INTEGER;
    const hazard = 0.005 * Math.exp(-0.3 * a);
    const t0 = Math.max(0, hire);
    for (let t = t0; t < M; t++) {
      lastDay = t === hire ? hireDom : 0;
      const cal = (start + t) % 12;
      const tenure = t - hire;
      const ramp = Math.min(1, 0.4 + 0.1 * tenure);
      const expected = levelRevenue * ramp * SEASON[cal] * market[region * M + t];
      // Recent results relative to what the role, season and market would predict: what managers see.
      let perf = NaN;
      if (nRecent >= 3) perf = (recent[0] + recent[1] + recent[2]) / 3 - 1;

      // Enrolments this month (decided on results up to last month).
      if (tenure >= 1) {
        for (let k = 0; k < K; k++) {
          if (first[k] >= 0) {
            if (!repeated[k] && t > first[k] && rng.uniform() < 0.004) {
              repeated[k] = 1;
              const score = COURSE_LIST[k].scored ? String(Math.min(100, Math.max(0, Math.round(78 + 6 * a + 9 * rng.normal())))) : '';
              trainLines.push(`${id},${COURSE_LIST[k].id},completed,${dayInMonth(t)},${score}`);
            }
            continue;
          }
          let p = 0;
          switch (k) {
            case 0: // self-selected by those their managers rate highly (so, on average, the able) and the recently successful
              // On what the data records (the rating, past results), not on latent ability itself: the trap is one that
              // adjusting for the pre-period can undo, as a company's nomination rules usually are.
              if (t >= 3 && !Number.isNaN(perf)) p = randomized ? 0.01 : Math.min(0.2, 0.006 * Math.exp(0.8 * (rating - 3) + 4 * perf));
              break;
            case 1: // assigned each quarter to recent low performers
              if (cal % 3 === 0 && tenure >= 4 && !Number.isNaN(perf)) p = randomized ? 0.04 : perf < -0.15 ? 0.6 : 0;
              break;
            case 2: // popular, taken in the run-up to the Q4 peak
              p = randomized ? 0.03 : cal === 8 || cal === 9 ? 0.22 : 0.004;
              break;
            case 3: // rolled out region by region
              if (t >= waveStart[region]) p = t <= waveStart[region] + 2 ? 0.45 : 0.02;
              break;
            case 4:
              if (t >= c05Start) p = randomized ? 0.012 : role === 0 || role === 2 ? 0.016 : 0.008;
              break;
            case 5: // launched five months before the data end
              if (t >= c06Start) p = randomized ? 0.1 : Math.min(0.5, 0.1 * Math.exp(0.3 * a));
              break;
            case 6: // mandatory each year, in January and February
              p = cal <= 1 ? 0.45 : 0.002;
              break;
            case 7: // open to anyone with a year's tenure, taken at random
              if (tenure >= 12) p = 0.01;
              break;
          }
          if (p <= 0 || rng.uniform() >= p) continue;
          const fate = rng.uniform();
          if (fate < 0.08) {
            // One drop-out per course and person: a second identical export row would read as a duplicate.
            if (droppedOnce[k]) continue;
            droppedOnce[k] = 1;
            trainLines.push(`${id},${COURSE_LIST[k].id},dropped,,`);
          } else if (t === M - 1 && fate < 0.2) {
            trainLines.push(`${id},${COURSE_LIST[k].id},in_progress,,`);
          } else {
            first[k] = t;
            let score = '';
            if (COURSE_LIST[k].scored) {
              const s = Math.min(100, Math.max(0, Math.round(78 + 6 * a + 9 * rng.normal())));
              score = String(s);
              mult[k] = scoreMultiplier(s);
            }
            trainLines.push(`${id},${COURSE_LIST[k].id},completed,${dayInMonth(t)},${score}`);
          }
        }
      }

      // Outcomes: untrained latent, then each course's additive effect.
      u = 0.55 * u + Math.sqrt(1 - 0.55 * 0.55) * 0.1 * levelRevenue * rng.normal();
      v = 0.5 * v + Math.sqrt(1 - 0.25) * 0.03 * rng.normal();
      const dealNoise = 0.8 * rng.normal();
      let rLatent = expected * (1 + 0.15 * a) + u;
      let cLatent = ROLE_CLOSE[role] + 0.03 * a + v;
      effR.fill(0);
      effC.fill(0);
      if (!nullEffects) {
        for (let k = 0; k < K; k++) {
          if (first[k] < 0 || t <= first[k]) continue;
          const s = COURSE_LIST[k].shape(t - first[k]) * mult[k];
          effR[k] = COURSE_LIST[k].revenueShare * levelRevenue * s;
          effC[k] = COURSE_LIST[k].closePoints * s;
          rLatent += effR[k];
          cLatent += effC[k];
        }
      }
      const dealSize = ROLE_DEAL_SIZE[role];
      const revenue = revenueOf(rLatent);
      const deals = dealsOf(rLatent / dealSize + dealNoise);
      const close = closeOf(cLatent);
      outLines.push(`${id},${formatMonth(start + t)},${revenue.toFixed(2)},${deals},${close.toFixed(4)}`);

      for (let k = 0; k < K; k++) {
        if (first[k] < 0 || t < first[k]) continue;
        const e = t - first[k];
        const revenue0 = revenueOf(rLatent - effR[k]);
        const deals0 = dealsOf((rLatent - effR[k]) / dealSize + dealNoise);
        const close0 = closeOf(cLatent - effC[k]);
        if (pot) {
          pot.course.push(COURSE_LIST[k].id);
          pot.employee.push(id);
          pot.period.push(formatMonth(start + t));
          pot.revenue.push(revenue0);
          pot.deals_won.push(deals0);
          pot.close_rate.push(close0);
        }
        sums.count[k][e] += 1;
        sums.sum[k * 3][e] += revenue - revenue0;
        sums.sum[k * 3 + 1][e] += deals - deals0;
        sums.sum[k * 3 + 2][e] += close - close0;
        if (e >= WINDOW[0] && e <= WINDOW[1]) sums.inWindow[k][i] = 1;
      }

      recent[0] = recent[1];
      recent[1] = recent[2];
      recent[2] = revenue / (levelRevenue * ramp * SEASON[cal] * market[region * M + t]);
      nRecent++;

      if (rng.uniform() < hazard) {
        term = t;
        break;
      }
    }
    const termText = term < M ? formatDay(dayIn(term, Math.max(1, lastDay) + rng.int(29 - Math.max(1, lastDay)))) : '';
    empLines.push(`${id},${formatDay(hireDay)},${termText},${ROLES[role]},${ROLE_DEPARTMENT[role]},${REGIONS[region]},${level},${rating}`);
  }

  const courseLines = ['course_id,title,cost_per_learner,hours', ...COURSE_LIST.map((c) => `${c.id},${c.title},${c.cost},${c.hours}`)];
  const contextLines = ['period,region,market_index'];
  for (let t = 0; t < M; t++) {
    for (let r = 0; r < REGIONS.length; r++) contextLines.push(`${formatMonth(start + t)},${REGIONS[r]},${market[r * M + t].toFixed(4)}`);
  }

  const truth: Truth = { seed: o.seed, window: [WINDOW[0], WINDOW[1]], scenario: o.scenario, effects: {} };
  for (let k = 0; k < K; k++) {
    const byMetric: Record<string, TrueEffect> = {};
    let nTreated = 0;
    for (let i = 0; i < N; i++) nTreated += sums.inWindow[k][i];
    METRICS.forEach((metric, m) => {
      const path: Record<string, number> = {};
      let s = 0;
      let c = 0;
      for (let e = 0; e < M; e++) {
        const n = sums.count[k][e];
        if (n === 0) continue;
        path[String(e)] = roundTruth(sums.sum[k * 3 + m][e] / n);
        if (e >= WINDOW[0] && e <= WINDOW[1]) {
          s += sums.sum[k * 3 + m][e];
          c += n;
        }
      }
      byMetric[metric] = { att: c > 0 ? roundTruth(s / c) : NaN, path, nTreated, treatedMonths: c };
    });
    truth.effects[COURSE_LIST[k].id] = byMetric;
  }

  let files: SynthCompany['files'] = {
    employees: empLines.text(),
    courses: courseLines.join('\n') + '\n',
    training: trainLines.text(),
    outcomes: outLines.text(),
    context: contextLines.join('\n') + '\n',
  };
  if (o.messy) {
    const lines = (text: string) => text.slice(0, -1).split('\n');
    files = messUp(
      { employees: lines(files.employees), courses: courseLines, training: lines(files.training), outcomes: lines(files.outcomes), context: contextLines },
      o.seed,
      idWidth,
      N,
    );
  }
  const potential: PotentialOutcomes | undefined = pot
    ? { ...pot, revenue: Float64Array.from(pot.revenue), deals_won: Float64Array.from(pot.deals_won), close_rate: Float64Array.from(pot.close_rate) }
    : undefined;
  return potential ? { files, truth, potential } : { files, truth };
}

/**
 * CSV lines gathered in short-lived chunks: millions of row strings kept alive
 * until one final join cost seconds of garbage collection.
 */
class LineBuffer {
  private readonly chunks: string[] = [];
  private pending: string[] = [];
  constructor(header: string) {
    this.pending.push(header);
  }
  push(line: string): void {
    this.pending.push(line);
    if (this.pending.length >= 4096) {
      this.chunks.push(this.pending.join('\n'));
      this.pending = [];
    }
  }
  text(): string {
    if (this.pending.length > 0) this.chunks.push(this.pending.join('\n'));
    this.pending = [];
    return this.chunks.join('\n') + '\n';
  }
}

/** Truth to 1e-9 relative precision, so that its JSON text is stable across platforms' last-bit noise. */
function roundTruth(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(12));
}

/**
 * The faults of real HR/LMS/CRM exports, injected into clean lines with a
 * generator of their own (so the clean company underneath is unchanged).
 */
function messUp(lines: Record<keyof SynthCompany['files'], string[]>, seed: number, idWidth: number, nEmployees: number): SynthCompany['files'] {
  const rng = createRng((seed + 1000003) % 4294967296);
  const splitRow = (l: string) => l.split(',');
  const scuffId = (id: string): string => {
    const u = rng.uniform();
    if (u < 0.05) return id.toLowerCase();
    if (u < 0.07) return ` ${id}`;
    if (u < 0.09) return `${id} `;
    return id;
  };
  const otherDate = (iso: string): string => {
    if (iso === '') return iso;
    const u = rng.uniform();
    const [y, m, d] = iso.split('-');
    if (u < 0.1) return `${m}/${d}/${y}`; // US LMS export
    if (u < 0.15) return `${d}.${m}.${y}`; // European LMS export
    return iso;
  };

  // employees: the optional `department` column is missing from this export; a few hire dates in US format.
  const emp = lines.employees.map((l, j) => {
    const c = splitRow(l);
    c.splice(4, 1);
    if (j > 0 && rng.uniform() < 0.03) {
      const [y, m, d] = c[1].split('-');
      c[1] = `${m}/${d}/${y}`;
    }
    return c.join(',');
  });

  const training: string[] = [lines.training[0]];
  for (let j = 1; j < lines.training.length; j++) {
    const c = splitRow(lines.training[j]);
    c[0] = scuffId(c[0]);
    if (rng.uniform() < 0.02) c[1] = c[1].toLowerCase();
    c[3] = otherDate(c[3]);
    const row = c.join(',');
    training.push(row);
    if (rng.uniform() < 0.015) training.push(row);
  }
  // Ids past the last employee: contractors and test accounts that HR never had.
  const unknown = (n: number) => `E${String(nEmployees + 1000 + n).padStart(idWidth, '0')}`;
  for (let n = 0; n < 8; n++) training.push(`${unknown(n)},C0${1 + rng.int(6)},completed,${lines.outcomes[1 + rng.int(lines.outcomes.length - 1)].split(',')[1]}-15,`);

  const outcomes: string[] = [lines.outcomes[0]];
  for (let j = 1; j < lines.outcomes.length; j++) {
    if (rng.uniform() < 0.02) continue; // a month missing from the CRM extract
    const c = splitRow(lines.outcomes[j]);
    if (rng.uniform() < 0.1) c[0] = scuffId(c[0]);
    const row = c.join(',');
    outcomes.push(row);
    if (rng.uniform() < 0.005) outcomes.push(row);
  }
  for (let n = 0; n < 12; n++) {
    const sample = lines.outcomes[1 + rng.int(lines.outcomes.length - 1)].split(',');
    outcomes.push(`${unknown(100 + (n % 3))},${sample[1]},${sample[2]},${sample[3]},${sample[4]}`);
  }
  return {
    employees: emp.join('\n') + '\n',
    courses: lines.courses.join('\n') + '\n',
    training: training.join('\n') + '\n',
    outcomes: outcomes.join('\n') + '\n',
    context: lines.context.join('\n') + '\n',
  };
}

/**
 * Writes a synthetic study folder: the five CSV files of CONTRACT §1 and
 * truth.json. Same options and seed, same bytes.
 *
 * @example
 * await writeSynth('/tmp/acme', { employees: 2000, seed: 7 });
 * // /tmp/acme/{employees,courses,training,outcomes,context}.csv, /tmp/acme/truth.json
 */
export async function writeSynth(dir: string, opts: SynthOptions = {}): Promise<SynthCompany['truth']> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('writeSynth: `dir` must be a folder path');
  const { files, truth } = synthesizeCompany(opts);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.csv`), text);
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}
