import { METHODS, type Estimate } from '../core/estimate';
import type { CourseVerdict, RoiEntry, StudyResult } from '../core/study-result';
import { plotDivHtml, plotlyLibraryScript, type PlotSpec } from '../plot/display';
import { escapeHtml, formatCount, formatInterval, formatNumber, formatPercent } from './html';
import { REPORT_CSS } from './style';

/** One chart of the report, placed under its section heading. */
export interface ReportChart {
  /** `balance`, `event study`, `forest plot`, `attribution`, `roi`, or any other heading. */
  section: string;
  title: string;
  spec: PlotSpec;
  caption?: string;
  /**
   * The smallest group of employees the chart breaks down (e.g. the trained
   * count of the course it shows). Below `minGroupSize` the chart is withheld.
   */
  groupSize?: number;
}

/** Options of {@link renderReport}. */
export interface RenderReportOptions {
  charts: ReportChart[];
  /** Page title; default "Training impact on <outcome>". */
  title?: string;
  /** Groups of fewer employees than this are not shown (default 5). */
  minGroupSize?: number;
  /**
   * Identifiers to withhold wherever they appear in free text (problem
   * messages, cleaning notes, warnings, reasons), e.g. `panel.employees` plus
   * any orphan ids: a validation message such as `unknown employee "E0042"`
   * then reads `unknown employee "[id withheld]"`. Matched as whole tokens,
   * case-insensitively.
   */
  redactIds?: readonly string[];
}

/** A row of the truth comparison: what the report reads from `StudyResult.comparison`. */
interface TruthRow {
  truth: number;
  bias: number;
  covers: boolean;
}

const SECTION_ORDER = ['balance', 'event study', 'forest plot', 'attribution', 'roi'];
const SECTION_HEADINGS: Record<string, string> = {
  balance: 'Covariate balance',
  'event study': 'Effect month by month (event study)',
  'forest plot': 'All methods side by side',
  attribution: 'Credit across learning journeys',
  roi: 'Return on investment',
};

const VERDICT_CLASS: Record<string, string> = {
  effective: 'v-effective',
  'no detectable effect': 'v-none',
  'too early to judge': 'v-early',
  'methods disagree': 'v-split',
  harmful: 'v-harmful',
};

/** What each method assumes, in a sentence a manager can follow. */
const METHOD_NOTES: Record<string, string> = {
  naive_difference:
    'Naive difference: trained minus untrained average. Shown as the baseline reports use today; it mixes the course effect with who chose to take it.',
  before_after:
    'Before–after: trained employees after minus before. Picks up anything else that changed over the same months (season, market, experience).',
  regression_adjustment:
    "Regression adjustment: compares like with like on role, region, level, tenure and prior results, and lets the effect grow with prior results and test score, so that its interval is for these trainees' own average effect. Assumes those measured differences explain who took the course.",
  psm_nearest:
    'Propensity-score matching: pairs each trained employee with the most similar untrained one by their estimated chance of taking the course. Same assumption as regression, plus enough overlap to find matches.',
  ipw: 'Inverse-probability weighting: reweights untrained employees to resemble the trained group. Sensitive to very small or very large probabilities.',
  aipw: 'Augmented IPW (doubly robust): combines the outcome model and the weights; right if either of them is right.',
  did_twfe:
    'Two-way fixed effects difference-in-differences: compares changes over time. With staggered start dates and effects that grow, it can be biased; shown for comparison.',
  did_staggered:
    'Staggered difference-in-differences: compares each start cohort with employees not yet trained at the same months. Assumes parallel trends, checked on the months before the course.',
};

function methodRank(method: string): number {
  const i = (METHODS as readonly string[]).indexOf(method);
  return i < 0 ? METHODS.length : i;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function checkInput(result: StudyResult, opts: RenderReportOptions): number {
  if (!isRecord(result) || typeof result.outcome !== 'string' || !Array.isArray(result.estimates)) {
    throw new TypeError('renderReport: `result` must be a StudyResult with `outcome` and `estimates`');
  }
  if (!isRecord(opts) || !Array.isArray(opts.charts)) {
    throw new TypeError('renderReport: `opts.charts` must be an array of { section, title, spec }');
  }
  const min = opts.minGroupSize ?? 5;
  if (!Number.isInteger(min) || min < 1) {
    throw new RangeError(`renderReport: \`minGroupSize\` must be an integer >= 1, got ${min}`);
  }
  opts.charts.forEach((c, i) => {
    if (!isRecord(c) || typeof c.section !== 'string' || typeof c.title !== 'string' || !isRecord(c.spec) || !Array.isArray(c.spec.data)) {
      throw new TypeError(`renderReport: \`opts.charts[${i}]\` must be { section: string, title: string, spec: { data: [...], layout } }`);
    }
  });
  return min;
}

/** Courses in the order they first appear: verdicts, then estimates, then ROI. */
function courseList(result: StudyResult): string[] {
  const seen = new Set<string>();
  for (const v of result.verdicts ?? []) seen.add(v.course);
  for (const e of result.estimates) if (e.course !== undefined) seen.add(e.course);
  for (const r of result.roi ?? []) seen.add(r.course);
  return [...seen];
}

/** Largest trained count any estimate reports for each course. */
function trainedCounts(result: StudyResult): Map<string, number> {
  const n = new Map<string, number>();
  const add = (course: string | undefined, value: number) => {
    if (course === undefined || !Number.isFinite(value)) return;
    n.set(course, Math.max(n.get(course) ?? 0, value));
  };
  for (const e of result.estimates) add(e.course, e.nTreated);
  for (const v of result.verdicts ?? []) if (v.recommended) add(v.course, v.recommended.nTreated);
  return n;
}

/** A group is too small to show when it has people in it but fewer than the minimum. */
function tooSmall(n: number | undefined, min: number): boolean {
  return n !== undefined && Number.isFinite(n) && n > 0 && n < min;
}

function estimateSuppressed(e: Estimate, min: number): boolean {
  return tooSmall(e.nTreated, min) || tooSmall(e.nControl, min);
}

/**
 * The truth comparison, read defensively because `comparison` is open-ended:
 * `{ rows: [{ course, method, truth, bias?, covers? }] }` and/or
 * `{ truth: { [course]: number | { [metric]: number } } }`.
 */
function truthLookup(result: StudyResult): ((e: Estimate) => TruthRow | undefined) | undefined {
  const cmp = result.comparison;
  if (!isRecord(cmp)) return undefined;
  const byCourse = new Map<string, number>();
  if (isRecord(cmp.truth)) {
    for (const [course, t] of Object.entries(cmp.truth)) {
      const value = typeof t === 'number' ? t : isRecord(t) ? t[result.outcome] : undefined;
      const att = isRecord(value) ? value.att : value;
      if (typeof att === 'number' && Number.isFinite(att)) byCourse.set(course, att);
    }
  }
  const byRow = new Map<string, TruthRow>();
  if (Array.isArray(cmp.rows)) {
    for (const r of cmp.rows) {
      if (!isRecord(r) || typeof r.method !== 'string' || typeof r.truth !== 'number') continue;
      const key = `${String(r.course ?? '')}\u0000${r.method}`;
      byRow.set(key, {
        truth: r.truth,
        bias: typeof r.bias === 'number' ? r.bias : NaN,
        covers: typeof r.covers === 'boolean' ? r.covers : false,
      });
    }
  }
  if (byCourse.size === 0 && byRow.size === 0) return undefined;
  return (e) => {
    const row = byRow.get(`${e.course ?? ''}\u0000${e.method}`);
    if (row) {
      const bias = Number.isFinite(row.bias) ? row.bias : e.estimate - row.truth;
      return { truth: row.truth, bias, covers: row.covers || (e.ci[0] <= row.truth && row.truth <= e.ci[1]) };
    }
    const truth = byCourse.get(e.course ?? '');
    if (truth === undefined) return undefined;
    return { truth, bias: e.estimate - truth, covers: e.ci[0] <= truth && truth <= e.ci[1] };
  };
}

function courseLabel(result: StudyResult, course: string): string {
  const title = result.courseTitles?.[course];
  return title ? `${escapeHtml(title)} <span class="course-id">${escapeHtml(course)}</span>` : `<span class="mono">${escapeHtml(course)}</span>`;
}

function headerSection(result: StudyResult, title: string, sections: { id: string; label: string }[]): string {
  const [w0, w1] = result.window;
  const d = result.data;
  const facts: [string, string][] = [
    ['Employees', formatCount(d.employees)],
    ['Courses', formatCount(d.courses)],
    ['Completions', formatCount(d.completions)],
    ['Months of outcomes', `${escapeHtml(d.periods[0])} – ${escapeHtml(d.periods[1])}`],
  ];
  const warnings = (d.warnings ?? []).length
    ? `<details class="data-warnings"><summary>Notes on the data and the estimation (${d.warnings.length})</summary><ul class="notes small">${d.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></details>`
    : '';
  return `<header class="report-header">
<p class="eyebrow">TrainLift study report</p>
<h1>${escapeHtml(title)}</h1>
<p class="question"><strong>The question.</strong> For employees who completed each course, how much did
<strong>${escapeHtml(result.outcome)}</strong> change per employee-month in months ${escapeHtml(w0)}–${escapeHtml(w1)} after
completion, compared with what it would have been without the course?</p>
<div class="facts">${facts.map(([k, v]) => `<div class="fact"><div class="value">${v}</div><div class="label">${k}</div></div>`).join('')}</div>
${warnings}
<nav class="toc">${sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.label)}</a>`).join(' ')}</nav>
</header>`;
}

function verdictCard(result: StudyResult, course: string, verdict: CourseVerdict | undefined, roi: RoiEntry | undefined, suppressed: boolean, min: number): string {
  const title = result.courseTitles?.[course];
  const head = `<h3>${escapeHtml(title ?? course)}</h3>${title ? `<div class="course-id">${escapeHtml(course)}</div>` : ''}`;
  if (suppressed) {
    return `<article class="card v-none">${head}<span class="badge">not shown</span>
<p>Fewer than ${min} employees completed this course: too few to report without pointing at individuals.</p></article>`;
  }
  const kind = verdict?.verdict ?? 'not judged';
  const cls = VERDICT_CLASS[kind] ?? 'v-none';
  const reason = verdict ? escapeHtml(verdict.reason) : 'No verdict was computed for this course.';
  const rec = verdict?.recommended;
  const rows: [string, string][] = [];
  if (rec) {
    rows.push([`Effect on ${escapeHtml(result.outcome)}`, `${formatNumber(rec.estimate)} per employee-month`]);
    rows.push(['95 % interval', formatInterval(rec.ci)]);
    // A method's name may break after its '+' (a bracketing estimate: regression_adjustment+did_staggered) and
    // its underscores, rather than mid-word in a narrow card.
    rows.push(['Method', `<span class="mono">${methodParts(rec.method).map((m) => escapeHtml(m).replace(/_/g, '_<wbr>')).join('+<wbr>')}</span>`]);
    // The trained the estimate compares (those with baseline and window months in the data), not every
    // completion: the ROI counts all who completed, so the two numbers differ and the label says which.
    rows.push(['Trained in the estimate', formatCount(rec.nTreated)]);
  }
  if (roi) {
    rows.push(['ROI', `${formatPercent(roi.roi)} <span class="muted">[${formatPercent(roi.ci[0])}, ${formatPercent(roi.ci[1])}]</span>`]);
    rows.push(['Benefit / cost', `${formatNumber(roi.benefit)} / ${formatNumber(roi.cost)}`]);
  }
  const dl = rows.length ? `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>` : '';
  return `<article class="card ${cls}">${head}<span class="badge">${escapeHtml(kind)}</span><p>${reason}</p>${dl}</article>`;
}

function verdictSection(result: StudyResult, courses: string[], suppressedCourses: Set<string>, min: number): string {
  const verdicts = new Map((result.verdicts ?? []).map((v) => [v.course, v]));
  const roi = new Map((result.roi ?? []).map((r) => [r.course, r]));
  const cards = courses.map((c) => verdictCard(result, c, verdicts.get(c), roi.get(c), suppressedCourses.has(c), min));
  const body = cards.length ? `<div class="cards">${cards.join('\n')}</div>` : '<p class="notice">No course results in this study.</p>';
  return `<section id="verdicts"><h2>Verdict per course</h2>
<p class="muted small">Verdicts use the recommended estimate and its 95 % interval; the estimates table below shows every method.</p>
${body}</section>`;
}

function estimatesSection(result: StudyResult, suppressedCourses: Set<string>, min: number): string {
  const lookup = truthLookup(result);
  const order = new Map(courseList(result).map((c, i) => [c, i]));
  const courseOrder = (c: string) => order.get(c) ?? Number.MAX_SAFE_INTEGER;
  const recommended = new Map((result.verdicts ?? []).filter((v) => v.recommended).map((v) => [v.course, v.recommended!.method]));
  const rows = result.estimates
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const ca = a.e.course ?? '';
      const cb = b.e.course ?? '';
      if (ca !== cb) return courseOrder(ca) - courseOrder(cb);
      return methodRank(a.e.method) - methodRank(b.e.method) || a.i - b.i;
    })
    .map(({ e }) => e);
  const hasCourse = rows.some((e) => e.course !== undefined);
  const truthHead = lookup ? '<th class="num">Truth</th><th class="num">Bias</th><th>Covers</th>' : '';
  const colCount = (hasCourse ? 1 : 0) + 6 + (lookup ? 3 : 0);
  let prevCourse: string | undefined;
  const body = rows
    .map((e) => {
      const start = hasCourse && e.course !== prevCourse;
      prevCourse = e.course;
      const hidden = (e.course !== undefined && suppressedCourses.has(e.course)) || estimateSuppressed(e, min);
      // A recommended estimate that brackets two methods highlights both rows.
      const isRecommended = !hidden && methodParts(recommended.get(e.course ?? '') ?? '').includes(e.method);
      const classes = [start ? 'group-start' : '', isRecommended ? 'recommended' : ''].filter(Boolean);
      const courseCell = hasCourse ? `<td>${start ? courseLabel(result, e.course ?? '') : ''}</td>` : '';
      const methodCell = `<td class="mono">${escapeHtml(e.method)}</td>`;
      if (hidden) {
        return `<tr class="${classes.join(' ')}">${courseCell}${methodCell}<td class="suppressed" colspan="${colCount - (hasCourse ? 2 : 1)}">not shown: a group has fewer than ${min} employees</td></tr>`;
      }
      let truthCells = '';
      if (lookup) {
        const t = lookup(e);
        truthCells = t
          ? `<td class="num">${formatNumber(t.truth)}</td><td class="num">${formatNumber(t.bias)}</td><td>${t.covers ? '<span class="yes">yes</span>' : '<span class="no">no</span>'}</td>`
          : '<td class="num">—</td><td class="num">—</td><td>—</td>';
      }
      return `<tr class="${classes.join(' ')}">${courseCell}${methodCell}<td class="num">${formatNumber(e.estimate)}</td><td class="num">${formatNumber(e.se)}</td><td class="num">${formatInterval(e.ci)}</td><td class="num">${formatCount(e.nTreated)}</td><td class="num">${formatCount(e.nControl)}</td>${truthCells}</tr>`;
    })
    .join('\n');
  const warnings = rows
    .filter((e) => !(e.course !== undefined && suppressedCourses.has(e.course)))
    .flatMap((e) => {
      const w = e.diagnostics?.warnings;
      const list = Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
      return list.map((text) => `<li><span class="mono">${escapeHtml(e.course ? `${e.course} · ${e.method}` : e.method)}</span>: ${escapeHtml(text)}</li>`);
    });
  const truthNote = lookup
    ? '<p class="muted small">This is synthetic data with a known truth: <em>bias</em> is estimate minus truth; <em>covers truth</em> says whether the 95 % interval contains it.</p>'
    : '';
  return `<section id="estimates"><h2>Estimates from every method</h2>
<p class="muted small">Effect on ${escapeHtml(result.outcome)} per employee-month over months ${escapeHtml(result.window[0])}–${escapeHtml(result.window[1])} after completion (ATT). The highlighted row is the recommended estimate. <span class="mono">naive_difference</span> and <span class="mono">before_after</span> are the naive baselines.</p>
${truthNote}<div class="table-wrap"><table>
<thead><tr>${hasCourse ? '<th>Course</th>' : ''}<th>Method</th><th class="num">Estimate</th><th class="num">SE</th><th class="num">95 % interval</th><th class="num">Trained</th><th class="num">Controls</th>${truthHead}</tr></thead>
<tbody>${body || `<tr><td colspan="${colCount}">No estimates.</td></tr>`}</tbody></table></div>
${warnings.length ? `<details class="method-warnings"><summary>Method warnings (${warnings.length})</summary><ul class="notes small">${warnings.join('')}</ul></details>` : ''}</section>`;
}

function preTrendTable(result: StudyResult, suppressedCourses: Set<string>): string {
  const rows = (result.eventStudy ?? []).filter((e) => e.preTrend && !suppressedCourses.has(e.course));
  if (!rows.length) return '';
  return `<div class="table-wrap"><table><caption>Pre-trend check: do trained and comparison employees move together in the months before the course?</caption>
<thead><tr><th>Course</th><th>Method</th><th class="num">Statistic</th><th class="num">df</th><th class="num">p-value</th></tr></thead><tbody>
${rows.map((e) => `<tr><td>${courseLabel(result, e.course)}</td><td class="mono">${escapeHtml(e.method)}</td><td class="num">${formatNumber(e.preTrend!.statistic)}</td><td class="num">${formatCount(e.preTrend!.df)}</td><td class="num">${formatNumber(e.preTrend!.pValue)}</td></tr>`).join('\n')}
</tbody></table></div>`;
}

function attributionTable(result: StudyResult, suppressedCourses: Set<string>): string {
  const entries = result.attribution ?? [];
  if (!entries.length) return '';
  const courses: string[] = [];
  for (const a of entries) for (const c of Object.keys(a.credit ?? {})) if (!courses.includes(c)) courses.push(c);
  const cell = (model: string, value: number | undefined, incremental: number | undefined, course: string) => {
    if (suppressedCourses.has(course)) return '<td class="num suppressed">—</td>';
    if (value === undefined) return '<td class="num">—</td>';
    if (model === 'causal' && incremental !== undefined) {
      return `<td class="num">${formatNumber(incremental)} <span class="muted">(${formatPercent(value)})</span></td>`;
    }
    return `<td class="num">${formatPercent(value)}</td>`;
  };
  return `<div class="table-wrap"><table><caption>Share of the credit each model gives each course (the causal model: incremental ${escapeHtml(result.outcome)} and its share).</caption>
<thead><tr><th>Model</th>${courses.map((c) => `<th class="num">${escapeHtml(result.courseTitles?.[c] ?? c)}</th>`).join('')}</tr></thead><tbody>
${entries.map((a) => `<tr><td class="mono">${escapeHtml(a.model)}</td>${courses.map((c) => cell(a.model, a.credit?.[c], a.incremental?.[c], c)).join('')}</tr>`).join('\n')}
</tbody></table></div>`;
}

function roiTable(result: StudyResult, suppressedCourses: Set<string>, min: number): string {
  const entries = result.roi ?? [];
  if (!entries.length) return '';
  return `<div class="table-wrap"><table><caption>Benefit over the first year against fully loaded cost; ROI = (benefit − cost) / cost.</caption>
<thead><tr><th>Course</th><th class="num">Benefit</th><th class="num">Cost</th><th class="num">ROI</th><th class="num">95 % interval</th><th class="num">Benefit / cost</th><th>Isolated by</th></tr></thead><tbody>
${entries
  .map((r) =>
    suppressedCourses.has(r.course)
      ? `<tr><td>${courseLabel(result, r.course)}</td><td class="suppressed" colspan="6">not shown: fewer than ${min} trained employees</td></tr>`
      : `<tr><td>${courseLabel(result, r.course)}</td><td class="num">${formatNumber(r.benefit)}</td><td class="num">${formatNumber(r.cost)}</td><td class="num">${formatPercent(r.roi)}</td><td class="num">[${formatPercent(r.ci[0])}, ${formatPercent(r.ci[1])}]</td><td class="num">${formatNumber(r.bcr)}</td><td class="mono">${escapeHtml(r.method ?? '')}</td></tr>`,
  )
  .join('\n')}
</tbody></table></div>`;
}

function sectionKey(section: string): string {
  const k = section.trim().toLowerCase().replace(/[_-]+/g, ' ');
  if (k === 'forest' || k === 'forest plot' || k === 'comparison') return 'forest plot';
  if (k === 'event study' || k === 'eventstudy' || k === 'event') return 'event study';
  return k;
}

interface ChartGroup {
  key: string;
  heading: string;
  charts: { chart: ReportChart; index: number }[];
}

function groupCharts(charts: ReportChart[]): ChartGroup[] {
  const groups = new Map<string, ChartGroup>();
  charts.forEach((chart, index) => {
    const key = sectionKey(chart.section);
    if (!groups.has(key)) groups.set(key, { key, heading: SECTION_HEADINGS[key] ?? chart.section.trim(), charts: [] });
    groups.get(key)!.charts.push({ chart, index });
  });
  const known = SECTION_ORDER.filter((k) => groups.has(k)).map((k) => groups.get(k)!);
  const other = [...groups.values()].filter((g) => !SECTION_ORDER.includes(g.key));
  // Tables belong with their charts even when no chart of that kind was given.
  for (const k of ['event study', 'attribution', 'roi']) {
    if (!groups.has(k)) known.push({ key: k, heading: SECTION_HEADINGS[k], charts: [] });
  }
  known.sort((a, b) => SECTION_ORDER.indexOf(a.key) - SECTION_ORDER.indexOf(b.key));
  return [...known, ...other];
}

function chartFigure(chart: ReportChart, index: number, min: number, prefix = ''): { html: string; drawn: boolean } {
  if (tooSmall(chart.groupSize, min)) {
    return {
      html: `<p class="notice">${escapeHtml(chart.title)}: not shown, it breaks down a group of fewer than ${min} employees.</p>`,
      drawn: false,
    };
  }
  const layout: Record<string, unknown> = { ...chart.spec.layout };
  if (layout.title === undefined) layout.title = { text: chart.title };
  const spec: PlotSpec = { ...chart.spec, layout };
  const caption = chart.caption ? `<figcaption>${escapeHtml(chart.caption)}</figcaption>` : '';
  return {
    html: `<figure class="chart" aria-label="${escapeHtml(chart.title)}">${plotDivHtml(spec, `${prefix}chart-${index + 1}`)}${caption}</figure>`,
    drawn: true,
  };
}

function robustnessSection(result: StudyResult, suppressedCourses: Set<string>): string {
  const rows = (result.robustness ?? []).filter((r) => !suppressedCourses.has(r.course));
  if (rows.length === 0) return '';
  const label = (p: boolean | null) => (p === true ? '<span class="yes">passed</span>' : p === false ? '<span class="no">failed</span>' : '<span class="muted">not run</span>');
  const names: Record<string, string> = {
    placebo_dates: 'Placebo dates',
    placebo_outcome: 'Placebo outcome',
    random_common_cause: 'Random common cause',
    data_subset: 'Data subsets',
  };
  const body = rows
    .map((r) => {
      const tests = r.refutations
        .map((t) => `<tr><td>${escapeHtml(names[t.refuter] ?? t.refuter)}</td><td>${label(t.passed)}</td><td class="small">${escapeHtml(t.reading)}</td></tr>`)
        .join('');
      const sens = r.sensitivity
        ? `<p class="small"><strong>Unobserved confounder.</strong> E-value ${escapeHtml(r.sensitivity.eValue.toFixed(2))} (interval limit ${escapeHtml(r.sensitivity.eValueCi.toFixed(2))}), robustness value ${escapeHtml(formatPercent(r.sensitivity.robustnessValue))}. ${r.sensitivity.reading.map(escapeHtml).join(' ')}</p>`
        : '';
      return `<h3>${courseLabel(result, r.course)} <span class="muted small">checks on ${escapeHtml(r.method)}</span></h3>
<div class="table-wrap"><table><thead><tr><th>Check</th><th>Result</th><th>What it says</th></tr></thead><tbody>${tests}</tbody></table></div>${sens}`;
    })
    .join('\n');
  return `<section id="robustness"><h2>Robustness checks</h2>
<p class="small">Refuters try to break each estimate: a placebo should find nothing, an irrelevant covariate or a random subset should not move it. A failed placebo means the trained and untrained differed before training in ways the estimate does not remove.</p>
${body}</section>`;
}

function kirkpatrickSection(result: StudyResult): string {
  const levels = result.kirkpatrick ?? [];
  if (levels.length === 0) return '';
  const rows = levels
    .map((l) => `<tr><td>${escapeHtml(l.level)}</td><td>${escapeHtml(l.name)}</td><td>${l.supported ? '<span class="yes">yes</span>' : '<span class="no">no</span>'}</td><td class="small">${escapeHtml(l.evidence)}</td></tr>`)
    .join('');
  return `<section id="kirkpatrick"><h2>Evaluation levels (Kirkpatrick)</h2>
<div class="table-wrap"><table><thead><tr><th>Level</th><th>Name</th><th>In the data</th><th>Evidence</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function problemsSection(result: StudyResult): string {
  const problems = result.problems ?? [];
  const cleaning = result.cleaning ?? [];
  const shown = problems.slice(0, 200);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const summary = problems.length
    ? `<p>${formatCount(problems.length)} problem${problems.length === 1 ? '' : 's'} found in the exports: ${formatCount(errors)} error${errors === 1 ? '' : 's'}, ${formatCount(problems.length - errors)} warning${problems.length - errors === 1 ? '' : 's'}.</p>`
    : '<p>Validation found no problems in the exports.</p>';
  const table = shown.length
    ? `<div class="table-wrap"><table><thead><tr><th>Severity</th><th>File</th><th class="num">Row</th><th>Column</th><th>What is wrong</th></tr></thead><tbody>
${shown.map((p) => `<tr><td class="sev-${p.severity === 'error' ? 'error' : 'warning'}">${escapeHtml(p.severity)}</td><td class="mono">${escapeHtml(p.file)}</td><td class="num">${p.row === null ? '—' : formatCount(p.row)}</td><td class="mono">${p.column === null ? '—' : escapeHtml(p.column)}</td><td>${escapeHtml(p.message)}</td></tr>`).join('\n')}
</tbody></table></div>${problems.length > shown.length ? `<p class="muted small">… and ${formatCount(problems.length - shown.length)} more (run <span class="mono">trainlift validate</span> for the full list).</p>` : ''}`
    : '';
  const steps = cleaning.length
    ? `<h3>Cleaning steps applied</h3><div class="table-wrap"><table><thead><tr><th>Step</th><th class="num">Records changed</th><th>What it did</th></tr></thead><tbody>
${cleaning.map((c) => `<tr><td class="mono">${escapeHtml(c.step)}</td><td class="num">${formatCount(c.changed)}</td><td>${escapeHtml(c.note)}</td></tr>`).join('\n')}
</tbody></table></div>`
    : '';
  return `<section id="data-quality"><h2>Data problems and cleaning</h2>${summary}${table}${steps}</section>`;
}

/** The methods a recommended estimate stands on: one, or the two a bracketing estimate (`a+b`) spans. */
function methodParts(method: string): string[] {
  return method.split('+');
}

function notesSection(result: StudyResult): string {
  const methods = [...new Set(result.estimates.map((e) => e.method))].sort((a, b) => methodRank(a) - methodRank(b));
  const methodNotes = methods.filter((m) => METHOD_NOTES[m]).map((m) => `<li>${escapeHtml(METHOD_NOTES[m])}</li>`);
  // A verdict that stands on two methods at once (regression_adjustment+did_staggered) says what that is.
  const bracketed = [...new Set((result.verdicts ?? []).map((v) => v.recommended?.method ?? '').filter((m) => methodParts(m).length > 1))];
  for (const m of bracketed) {
    methodNotes.push(
      `<li>${escapeHtml(`${methodParts(m).join(' + ')}: where almost nobody untrained resembles the trained, neither method is taken alone; the verdict's estimate spans both of their intervals and sits at the centre of that span.`)}</li>`,
    );
  }
  const extra = (result.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`);
  const [w0, w1] = result.window;
  return `<section id="method-notes"><h2>Method notes</h2>
<p>Every method estimates the same quantity: for employees who completed a course, the average of ${escapeHtml(result.outcome)} with the course minus without it, per employee-month, over months ${escapeHtml(w0)}–${escapeHtml(w1)} after completion (the month of completion itself is only partly treated and left out). Standard errors account for the same employee appearing in several comparisons.</p>
<ul class="notes">${methodNotes.join('')}${extra.join('')}</ul>
<p class="muted small">This report shows only aggregates over groups of employees; groups smaller than the minimum size are withheld.</p></section>`;
}

function footer(result: StudyResult, min: number): string {
  const r = result.reproducibility;
  const prints = r ? Object.entries(r.fingerprints ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  const facts = [
    `Outcome <span class="mono">${escapeHtml(result.outcome)}</span>`,
    `window ${escapeHtml(result.window[0])}–${escapeHtml(result.window[1])}`,
    r ? `seed ${escapeHtml(r.seed)}` : '',
    r ? `TrainLift ${escapeHtml(r.version)}` : '',
    r?.generatedBy ? escapeHtml(r.generatedBy) : '',
    `minimum group size ${min}`,
  ].filter(Boolean);
  return `<footer class="repro" id="reproducibility"><p><strong>Reproducibility.</strong> ${facts.join(' · ')}. The same data and seed give the same numbers.</p>
${prints.length ? `<table><thead><tr><th>Input file</th><th>Fingerprint</th></tr></thead><tbody>${prints.map(([f, h]) => `<tr><td class="mono">${escapeHtml(f)}</td><td class="mono">${escapeHtml(h)}</td></tr>`).join('')}</tbody></table>` : ''}
</footer>`;
}

/**
 * A copy of the result whose free text (warnings, verdict reasons, problems,
 * cleaning notes, notes) has every listed identifier replaced by
 * `[id withheld]`, matching case-insensitively after trimming: reports never
 * name individual employees.
 *
 * @example
 * redactStudyResult(result, ['E00008']).problems?.[0].message; // => 'employee "[id withheld]" already has a row for 2024-03'
 */
export function redactStudyResult(result: StudyResult, ids: readonly string[]): StudyResult {
  const known = new Set(ids.map((id) => id.trim().toUpperCase()).filter((id) => id.length > 0));
  if (known.size === 0) return result;
  const redact = (text: string) => text.replace(/[A-Za-z0-9][\w.-]*/g, (token) => (known.has(token.toUpperCase()) ? '[id withheld]' : token));
  const redactList = (list: unknown) => (Array.isArray(list) ? list.map((x) => (typeof x === 'string' ? redact(x) : x)) : list);
  return {
    ...result,
    data: { ...result.data, warnings: (result.data.warnings ?? []).map(redact) },
    estimates: result.estimates.map((e) => ({ ...e, diagnostics: { ...e.diagnostics, warnings: redactList(e.diagnostics?.warnings) } })),
    verdicts: result.verdicts?.map((v) => ({ ...v, reason: redact(v.reason) })),
    problems: result.problems?.map((p) => ({ ...p, message: redact(p.message) })),
    cleaning: result.cleaning?.map((c) => ({ ...c, note: redact(c.note) })),
    notes: result.notes?.map(redact),
    robustness: result.robustness?.map((r) => ({ ...r, refutations: r.refutations.map((t) => ({ ...t, reading: redact(t.reading) })) })),
  };
}

/**
 * Renders a study as one self-contained HTML page: verdict cards per course,
 * the estimates table (with truth, bias and coverage on synthetic data), the
 * charts by section, data problems and cleaning steps, method notes and a
 * reproducibility footer. plotly.js is embedded once, so the file opens
 * offline; every string from the data is escaped; only aggregates appear, and
 * any course, estimate, ROI row or chart whose group has fewer than
 * `minGroupSize` employees is withheld, and ids listed in `redactIds` are
 * withheld from every message. Same input, same bytes.
 *
 * @example
 * const html = renderReport(result, {
 *   charts: [{ section: 'forest plot', title: 'All methods, C01', spec: forestPlot(result.estimates) }],
 *   redactIds: panel.employees,
 * });
 * writeFileSync('reports/study.html', html);
 */
export function renderReport(studyResult: StudyResult, opts: RenderReportOptions): string {
  return renderReports([{ result: studyResult, charts: opts.charts }], opts);
}

/** The report of one outcome: every section but the page wrapper and footer. */
function outcomeBody(
  studyResult: StudyResult,
  charts: ReportChart[],
  opts: { title: string; min: number; redactIds: readonly string[]; prefix: string },
): { html: string; drawn: number; result: StudyResult } {
  const { min, prefix } = opts;
  const result = redactStudyResult(studyResult, opts.redactIds);
  const courses = courseList(result);
  const trained = trainedCounts(result);
  const suppressedCourses = new Set(courses.filter((c) => tooSmall(trained.get(c), min)));

  const groups = groupCharts(charts);
  let drawn = 0;
  const chartSections = groups
    .map((g) => {
      const figures = g.charts.map(({ chart, index }) => {
        const f = chartFigure(chart, index, min, prefix);
        if (f.drawn) drawn++;
        return f.html;
      });
      const table =
        g.key === 'event study'
          ? preTrendTable(result, suppressedCourses)
          : g.key === 'attribution'
            ? attributionTable(result, suppressedCourses)
            : g.key === 'roi'
              ? roiTable(result, suppressedCourses, min)
              : '';
      if (!figures.length && !table) return undefined;
      return { id: `section-${g.key.replace(/[^a-z0-9]+/g, '-')}`, heading: g.heading, html: figures.join('\n') + table };
    })
    .filter((s): s is { id: string; heading: string; html: string } => s !== undefined);

  const toc = [
    { id: 'verdicts', label: 'Verdicts' },
    { id: 'estimates', label: 'Estimates' },
    ...chartSections.map((s) => ({ id: s.id, label: s.heading })),
    ...(result.robustness?.length ? [{ id: 'robustness', label: 'Robustness' }] : []),
    ...(result.kirkpatrick?.length ? [{ id: 'kirkpatrick', label: 'Evaluation levels' }] : []),
    { id: 'data-quality', label: 'Data quality' },
    { id: 'method-notes', label: 'Method notes' },
  ];
  let html = `${headerSection(result, opts.title, toc)}
${verdictSection(result, courses, suppressedCourses, min)}
${estimatesSection(result, suppressedCourses, min)}
${chartSections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.heading)}</h2>\n${s.html}</section>`).join('\n')}
${robustnessSection(result, suppressedCourses)}
${kirkpatrickSection(result)}
${problemsSection(result)}
${notesSection(result)}`;
  // Several outcomes share one page: their anchors must not collide. Every
  // id and in-page link comes from this template (data is escaped, so it
  // cannot produce `id="`), which makes the rewrite safe.
  if (prefix) html = html.replace(new RegExp(` id="(?!${prefix})`, 'g'), ` id="${prefix}`).replace(/href="#/g, `href="#${prefix}`);
  return { html, drawn, result };
}

/**
 * Several outcomes of one study folder (e.g. revenue and deals won) as one
 * self-contained page: a section per outcome, each with its verdicts,
 * estimates, charts and checks, plotly.js embedded once, one footer.
 *
 * @example
 * renderReports([{ result: revenue.result, charts: revenue.charts }, { result: deals.result, charts: deals.charts }], {});
 */
export function renderReports(parts: { result: StudyResult; charts: ReportChart[] }[], opts: Omit<RenderReportOptions, 'charts'>): string {
  if (!Array.isArray(parts) || parts.length === 0) throw new RangeError('renderReports: `parts` must be a non-empty array of { result, charts }');
  if (opts.redactIds !== undefined && !Array.isArray(opts.redactIds)) {
    throw new TypeError('renderReport: `redactIds` must be an array of identifiers');
  }
  let min = 5;
  for (const p of parts) min = checkInput(p.result, { ...opts, charts: p.charts });
  const several = parts.length > 1;
  const outcomes = parts.map((p) => p.result.outcome);
  const title = opts.title ?? `Training impact on ${outcomes.join(', ')}`;
  const bodies = parts.map((p, i) =>
    outcomeBody(p.result, p.charts, {
      title: several ? `Outcome: ${p.result.outcome}` : title,
      min,
      redactIds: opts.redactIds ?? [],
      prefix: several ? `o${i + 1}-` : '',
    }),
  );
  const drawn = bodies.reduce((n, b) => n + b.drawn, 0);
  const main = several
    ? `<header class="report-header"><p class="eyebrow">TrainLift study report</p><h1>${escapeHtml(title)}</h1>
<nav class="toc">${bodies.map((b, i) => `<a href="#o${i + 1}">${escapeHtml(b.result.outcome)}</a>`).join(' ')}</nav></header>
${bodies.map((b, i) => `<section class="outcome" id="o${i + 1}">${b.html}</section>`).join('\n')}`
    : bodies[0].html;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="TrainLift">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
${drawn > 0 ? plotlyLibraryScript() : ''}
</head>
<body>
<main>
${main}
${footer(bodies[0].result, min)}
</main>
</body>
</html>
`;
}
