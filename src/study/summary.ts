import type { StudyResult } from '../core/study-result';
import type { Panel } from '../data/panel';
import { completionsByMonth, outcomeCoverage } from '../plot/data-charts';

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return a >= 100 ? Math.round(v).toLocaleString('en-US') : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${Math.round(100 * v)}%` : '—';
}

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (align[j] === 'r' ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The study's terminal summary: the data at a glance (employees, courses,
 * completions by month, outcome coverage, problems), one line per course
 * (verdict, recommended estimate with interval, ROI with interval) and every
 * estimate, the naive baselines labelled as such. Only aggregates.
 *
 * @example
 * console.log(formatStudySummary(result, panel));
 */
export function formatStudySummary(result: StudyResult, panel: Panel): string {
  const out: string[] = [];
  const d = result.data;
  out.push(`TrainLift study — outcome \`${result.outcome}\`, window months ${result.window[0]}–${result.window[1]} after completion`);
  out.push(`${d.employees.toLocaleString('en-US')} employees, ${d.courses} courses, ${d.completions.toLocaleString('en-US')} first completions, ${d.periods[0]} to ${d.periods[1]}`);
  const errors = (result.problems ?? []).filter((p) => p.severity === 'error').length;
  const warns = (result.problems ?? []).length - errors;
  const cleaned = (result.cleaning ?? []).filter((s) => s.changed > 0);
  out.push(`Data problems found: ${errors} error${errors === 1 ? '' : 's'}, ${warns} warning${warns === 1 ? '' : 's'}${cleaned.length ? `; cleaning changed ${cleaned.map((s) => `${s.step} (${s.changed})`).join(', ')}` : ''}`);

  const cbm = completionsByMonth(panel);
  const cov = outcomeCoverage(panel);
  const metricCov = cov.coverage[result.outcome];
  out.push('');
  out.push('Completions by month and outcome coverage');
  const rows = cbm.periods.map((p, t) => {
    let n = 0;
    for (const c of cbm.counts) n += c[t];
    return [p, String(n), metricCov ? pct(metricCov[t]) : '—'];
  });
  out.push(table(['month', 'completions', `${result.outcome} observed`], rows, ['l', 'r', 'r']));

  out.push('');
  out.push('Verdict per course (recommended estimate per employee-month, first-year ROI)');
  const titles = result.courseTitles ?? {};
  out.push(
    table(
      ['course', 'title', 'verdict', 'estimate', '95% interval', 'method', 'ROI', 'ROI 95% interval'],
      (result.verdicts ?? []).map((v) => {
        const r = result.roi.find((x) => x.course === v.course);
        const e = v.recommended;
        return [
          v.course,
          titles[v.course] ?? '',
          v.verdict,
          e ? fmt(e.estimate) : '—',
          e ? `${fmt(e.ci[0])} to ${fmt(e.ci[1])}` : '—',
          e ? e.method : '—',
          r ? pct(r.roi) : '—',
          r ? `${pct(r.ci[0])} to ${pct(r.ci[1])}` : '—',
        ];
      }),
      ['l', 'l', 'l', 'r', 'r', 'l', 'r', 'r'],
    ),
  );
  for (const v of result.verdicts ?? []) out.push(`  ${v.course}: ${v.reason}`);

  out.push('');
  out.push('All estimates (naive_difference and before_after are the naive baselines of today\'s reports, biased on purpose)');
  const truth = (result.comparison as { truth?: Record<string, number> } | undefined)?.truth;
  const header = ['course', 'method', 'estimate', 'SE', '95% interval', 'trained', 'controls'];
  if (truth) header.push('truth', 'covers');
  out.push(
    table(
      header,
      result.estimates.map((e) => {
        const row = [
          e.course ?? '',
          e.method + (e.method === 'naive_difference' || e.method === 'before_after' ? ' (naive)' : ''),
          fmt(e.estimate),
          fmt(e.se),
          `${fmt(e.ci[0])} to ${fmt(e.ci[1])}`,
          String(e.nTreated),
          String(e.nControl),
        ];
        if (truth) {
          const t = truth[e.course ?? ''];
          row.push(t === undefined ? '—' : fmt(t), t === undefined ? '—' : e.ci[0] <= t && t <= e.ci[1] ? 'yes' : 'no');
        }
        return row;
      }),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  const causal = result.attribution.find((a) => a.model === 'causal');
  if (result.attribution.length > 0) {
    out.push('');
    out.push('Attribution: share of credit by model' + (causal ? ' (causal: share of the incremental outcome the training caused)' : ''));
    const courses = Object.keys(result.courseTitles ?? {}).filter((c) => result.attribution.some((a) => c in a.credit));
    out.push(
      table(
        ['model', ...courses],
        result.attribution.map((a) => [a.model, ...courses.map((c) => (a.credit[c] === undefined ? '—' : pct(a.credit[c])))]),
        ['l', ...courses.map(() => 'r' as const)],
      ),
    );
  }
  if (d.warnings.length > 0) {
    out.push('');
    out.push('Notes');
    for (const w of d.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n');
}
