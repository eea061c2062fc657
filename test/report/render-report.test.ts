import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render-report';
import { EMPLOYEE_IDS, HOSTILE_TITLE, SMALL_COURSE_ESTIMATE, chartsFixture, studyFixture } from './fixture';

const html = renderReport(studyFixture(), { charts: chartsFixture() });

/** The page's text between two markers, for checks on one section. */
function between(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i + start.length);
  expect(i, `marker ${start}`).toBeGreaterThanOrEqual(0);
  return text.slice(i, j < 0 ? undefined : j);
}

describe('renderReport escaping', () => {
  it('shows a hostile course title as text, never as markup', () => {
    expect(html).not.toContain(HOSTILE_TITLE);
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;Negotiation &amp; &quot;Closing&quot;');
  });

  it('escapes problem messages and keeps exactly the scripts it writes: plotly.js once plus one per drawn chart', () => {
    expect(html).toContain('negative value &lt;b&gt;-5&lt;/b&gt; in 2 rows');
    expect(html.match(/window\.Plotly = Plotly/g)).toHaveLength(1);
    const drawn = chartsFixture().filter((c) => c.groupSize === undefined).length;
    expect(html.match(/<script/g)).toHaveLength(1 + drawn);
    expect(html.match(/<\/script>/g)).toHaveLength(1 + drawn);
  });

  it('escapes a hostile string inside chart JSON', () => {
    const charts = chartsFixture();
    charts[0].spec.layout.title = { text: '</script><script>alert(1)</script>' };
    const page = renderReport(studyFixture(), { charts });
    expect(page).not.toContain('</script><script>alert(1)');
    expect(page).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
  });
});

describe('renderReport privacy', () => {
  it('never prints individual employee ids, even when diagnostics carry them', () => {
    for (const id of EMPLOYEE_IDS) expect(html).not.toContain(id);
    // The plain-words warning in the same diagnostics is shown.
    expect(html).toContain('12 controls with weights above 10 were trimmed');
  });

  it('withholds listed ids from problem messages, cleaning notes and warnings, as whole tokens', () => {
    const study = studyFixture();
    study.problems!.push({ severity: 'error', file: 'outcomes.csv', row: 40, column: 'employee_id', message: 'unknown employee "e00342" (not in employees.csv)' });
    study.cleaning!.push({ step: 'drop unknown employees and courses', changed: 2, note: 'dropped rows of E00342, E01999' });
    study.estimates[0].diagnostics.warnings = ['E01999 has weight 40; E019990 is another token'];
    const page = renderReport(study, { charts: [], redactIds: EMPLOYEE_IDS });
    for (const id of EMPLOYEE_IDS) expect(page).not.toMatch(new RegExp(`\\b${id}\\b`, 'i'));
    expect(page).toContain('unknown employee &quot;[id withheld]&quot; (not in employees.csv)');
    expect(page).toContain('dropped rows of [id withheld], [id withheld]');
    expect(page).toContain('[id withheld] has weight 40; E019990 is another token');
    // Without the list the same text is shown as it came.
    expect(renderReport(study, { charts: [] })).toContain('dropped rows of E00342, E01999');
  });

  it('withholds a course, its estimates, ROI, attribution and charts when fewer than 5 employees completed it', () => {
    const card = between(html, 'Pilot: Executive Coaching</h3>', '</article>');
    expect(card).toContain('not shown');
    expect(card).not.toContain('Tiny pilot');
    expect(html).not.toContain('4,322'); // the estimate
    expect(html).not.toContain('2,900 %'); // the ROI
    expect(html).toContain('not shown: fewer than 5 trained employees');
    expect(html).toContain('Pilot cohort breakdown: not shown');
    expect(html).not.toContain('id="chart-6"');
  });

  it('shows the same course when the minimum group size allows it', () => {
    const page = renderReport(studyFixture(), { charts: chartsFixture(), minGroupSize: 3 });
    expect(page).toContain('4,322');
    expect(page).toContain('2,900 %');
    expect(page).toContain('id="chart-6"');
    expect(SMALL_COURSE_ESTIMATE).toBeCloseTo(4321.5);
  });
});

describe('renderReport content', () => {
  it('has a verdict card per course with the recommended estimate, interval and ROI', () => {
    const card = between(html, 'Consultative Selling</h3>', '</article>');
    expect(card).toContain('effective');
    expect(card).toContain('842.3 per employee-month');
    expect(card).toContain('<dt>Trained in the estimate</dt><dd>310</dd>'); // the trained the estimate compares, a count
    expect(card).toContain('[655.9, 1,029]'); // 842.3 ± 1.96 × 95.1
    expect(card).toContain('287 %');
    expect(card).toContain('[190 %, 380 %]');
    expect(html).toContain('class="card v-none"');
    expect(html).toContain('class="card v-early"');
  });

  it('adds truth, bias and coverage columns from the comparison', () => {
    expect(html).toContain('<th class="num">Truth</th>');
    const c01 = between(html, 'Consultative Selling <span class="course-id">', '</tr>');
    // naive_difference 1510 against truth 850: bias 660, interval [1275, 1745] misses it.
    expect(c01).toContain('<td class="num">850</td><td class="num">660</td><td><span class="no">no</span></td>');
    // aipw 842.3 covers 850.
    const aipwRow = between(html, '<td class="mono">aipw</td><td class="num">842.3', '</tr>');
    expect(aipwRow).toContain('<td class="num">−7.70</td><td><span class="yes">yes</span></td>');
  });

  it('groups charts into sections in a fixed order with the tables that belong to them', () => {
    const order = ['id="section-balance"', 'id="section-event-study"', 'id="section-forest-plot"', 'id="section-attribution"', 'id="section-roi"', 'id="data-quality"', 'id="method-notes"'];
    const positions = order.map((m) => html.indexOf(m));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(between(html, 'id="section-event-study"', '</section>')).toContain('Pre-trend check');
    expect(between(html, 'id="section-attribution"', '</section>')).toContain('3,100,000');
  });

  it('lists data problems with file, row and column, the cleaning steps and a reproducibility footer', () => {
    const problems = between(html, 'id="data-quality"', '</section>');
    expect(problems).toContain('2 problems found in the exports: 1 error, 1 warning.');
    expect(problems).toContain('<td class="mono">training.csv</td><td class="num">17</td><td class="mono">completed_on</td>');
    expect(problems).toContain('dropDuplicates');
    const foot = between(html, '<footer', '</footer>');
    expect(foot).toContain('seed 7');
    expect(foot).toContain('sha256:1a2b3c');
  });

  it('renders the same bytes for the same input', () => {
    expect(renderReport(studyFixture(), { charts: chartsFixture() })).toBe(html);
  });

  it('leaves plotly.js out when there is nothing to draw', () => {
    const page = renderReport(studyFixture(), { charts: [] });
    expect(page).not.toContain('window.Plotly = Plotly');
    expect(page.length).toBeLessThan(100_000);
  });
});

describe('renderReport arguments', () => {
  it('rejects a minimum group size below 1', () => {
    expect(() => renderReport(studyFixture(), { charts: [], minGroupSize: 0 })).toThrow(/renderReport: `minGroupSize` must be an integer >= 1, got 0/);
  });

  it('names the chart that is not a figure', () => {
    expect(() => renderReport(studyFixture(), { charts: [{ section: 'roi', title: 'x', spec: {} as never }] })).toThrow(/`opts.charts\[0\]`/);
  });
});

describe('renderReport recommended rows', () => {
  it('highlights the recommended method, and both methods a bracketing estimate spans', () => {
    const rowsOf = (page: string) => {
      const table = between(page, '<section id="estimates"', '</section>');
      return [...table.matchAll(/<tr class="([^"]*)">(?:(?!<\/tr>).)*?<td class="mono">([a-z_]+)<\/td>/gs)].filter((m) => m[1].includes('recommended')).map((m) => m[2]);
    };
    expect(rowsOf(html)).toEqual(['aipw', 'aipw', 'aipw']); // C01, C02, C03 (C04's rows are withheld: 3 trained)
    const study = studyFixture();
    const c01 = study.verdicts!.find((v) => v.course === 'C01')!;
    c01.recommended = { ...c01.recommended!, method: 'aipw+did_staggered' };
    const page = renderReport(study, { charts: [] });
    expect(rowsOf(page)).toEqual(['aipw', 'did_staggered', 'aipw', 'aipw']);
    // the method notes say what the bracketing estimate is, once
    expect(between(page, '<section id="method-notes"', '</section>').match(/aipw \+ did_staggered: where almost nobody untrained resembles the trained/g)).toHaveLength(1);
    expect(html).not.toMatch(/neither method is taken alone/);
    // the card's method may break after the '+' (a narrow card would clip the long name)
    expect(between(page, 'Consultative Selling</h3>', '</article>')).toContain('<span class="mono">aipw+<wbr>did_<wbr>staggered</span>');
  });
});
