import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Estimate } from '../core/estimate';
import { DataError } from '../core/errors';
import { loadFlatTable, numericColumn, type FlatTable } from '../data/flat-table';
import type { PanelInput } from '../causal/panel-input';
import { didStaggered, type StaggeredResult } from '../causal/staggered';
import { didTwfe, type TwfeResult } from '../causal/twfe';
import { intOption, listOption, runAction, windowOption, seedOption } from './action';

interface DidCliOptions {
  id: string;
  time: string;
  group: string;
  outcome: string;
  control?: string;
  anticipation?: string;
  covariates?: string;
  window?: string;
  json?: string;
  seed?: string;
}

const MONTH = /^(\d{4})-(\d{2})$/;

/** Integer periods from a numeric column, or from `YYYY-MM` text (months counted from year 0). */
function periodColumn(table: FlatTable, name: string, allowEmpty: boolean): { values: Int32Array; months: boolean } {
  const col = table.columns[name];
  if (col === undefined) numericColumn(table, name); // throws the "no column" error
  const values = new Int32Array(table.nRows);
  if (col instanceof Float64Array) {
    for (let i = 0; i < table.nRows; i++) {
      const v = col[i];
      if (Number.isNaN(v) && allowEmpty) continue;
      if (!Number.isInteger(v)) {
        throw new DataError(`${table.file} row ${i + 2}, column \`${name}\`: expected an integer period, got ${v}`, { file: table.file, row: i + 2, column: name });
      }
      values[i] = v;
    }
    return { values, months: false };
  }
  for (let i = 0; i < table.nRows; i++) {
    const s = (col as (string | null)[])[i]?.trim() ?? '';
    if (s === '' && allowEmpty) continue;
    const m = MONTH.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
      throw new DataError(`${table.file} row ${i + 2}, column \`${name}\`: expected an integer period or a month YYYY-MM, got ${JSON.stringify(s)}`, {
        file: table.file,
        row: i + 2,
        column: name,
      });
    }
    values[i] = Number(m[1]) * 12 + Number(m[2]) - 1;
  }
  return { values, months: true };
}

/**
 * Reads a long panel file into a {@link PanelInput}: unit ids may be text,
 * periods integers or `YYYY-MM` months, the group 0 or empty for never
 * treated. Rows without an outcome are dropped and counted.
 *
 * @example
 * const { input, droppedRows } = await readPanelFile('data/mpdta/mpdta.csv', { id: 'countyreal', time: 'year', group: 'first.treat', outcome: 'lemp' });
 * input.y.length; // => 2500
 */
export async function readPanelFile(
  file: string,
  cols: { id: string; time: string; group: string; outcome: string; covariates?: string[] },
): Promise<{ input: PanelInput; droppedRows: number; months: boolean }> {
  const table = await loadFlatTable(file);
  const idCol = table.columns[cols.id];
  if (idCol === undefined) numericColumn(table, cols.id);
  const y = numericColumn(table, cols.outcome);
  const time = periodColumn(table, cols.time, false);
  const group = periodColumn(table, cols.group, true);
  if (time.months !== group.months && table.columns[cols.group] instanceof Float64Array === false) {
    throw new DataError(`${file}: \`${cols.time}\` and \`${cols.group}\` must both be integers or both be months YYYY-MM`, { file });
  }
  const covariates = (cols.covariates ?? []).map((name) => ({ name, values: numericColumn(table, name) }));
  const codes = new Map<string, number>();
  const keep: number[] = [];
  for (let i = 0; i < table.nRows; i++) if (Number.isFinite(y[i])) keep.push(i);
  const unit = new Int32Array(keep.length);
  keep.forEach((i, k) => {
    const raw = idCol instanceof Float64Array ? idCol[i] : (idCol as (string | null)[])[i];
    if (raw === null || (typeof raw === 'number' && Number.isNaN(raw))) {
      throw new DataError(`${file} row ${i + 2}, column \`${cols.id}\`: the unit id is empty`, { file, row: i + 2, column: cols.id });
    }
    const key = String(raw);
    let c = codes.get(key);
    if (c === undefined) codes.set(key, (c = codes.size));
    unit[k] = c;
  });
  const rows = Int32Array.from(keep);
  return {
    input: {
      unit,
      time: Int32Array.from(rows, (i) => time.values[i]),
      group: Int32Array.from(rows, (i) => group.values[i]),
      y: Float64Array.from(rows, (i) => y[i]),
      source: file,
      unitNames: [...codes.keys()],
      sourceRows: rows,
      ...(covariates.length > 0 ? { covariates: covariates.map((c) => ({ name: c.name, values: Float64Array.from(rows, (i) => c.values[i]) })) } : {}),
    },
    droppedRows: table.nRows - keep.length,
    months: time.months,
  };
}

function fmt(v: number, width = 10): string {
  if (!Number.isFinite(v)) return 'NA'.padStart(width);
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : a >= 100 ? v.toFixed(1) : v.toPrecision(4);
  return s.padStart(width);
}

function printReport(r: StaggeredResult, twfe: TwfeResult, label: (t: number) => string, window: [number, number], control: string, droppedRows: number): void {
  const out: string[] = [];
  const adjusted = r.aggregates.simple.diagnostics.covariates as string[] | undefined;
  out.push(
    `did_staggered: group-time ATT (Callaway & Sant'Anna${adjusted && adjusted.length ? `, doubly robust on ${adjusted.join(', ')}` : ', unconditional'}), controls: ${control === 'never' ? 'never treated' : 'not yet treated'}, ${r.aggregates.simple.diagnostics.standardErrors}`,
  );
  out.push('', 'ATT(g, t)', `${'group'.padStart(8)} ${'time'.padStart(8)} ${'e'.padStart(4)} ${'estimate'.padStart(10)} ${'se'.padStart(10)}   95% interval`);
  for (const c of r.attgt) {
    out.push(`${label(c.group).padStart(8)} ${label(c.time).padStart(8)} ${String(c.e).padStart(4)} ${fmt(c.estimate)} ${fmt(c.se)}   [${fmt(c.estimate - 1.959964 * c.se, 0)}, ${fmt(c.estimate + 1.959964 * c.se, 0)}]`);
  }
  const agg = (name: string, e: Estimate) => `${name.padEnd(22)} ${fmt(e.estimate)} ${fmt(e.se)}   [${fmt(e.ci[0], 0)}, ${fmt(e.ci[1], 0)}]`;
  out.push('', 'Aggregates', `${''.padEnd(22)} ${'estimate'.padStart(10)} ${'se'.padStart(10)}   95% interval`);
  out.push(agg('simple', r.aggregates.simple), agg('group', r.aggregates.group), agg('dynamic (event time)', r.aggregates.dynamic));
  out.push(agg('calendar', r.aggregates.calendar), agg(`window e = ${window[0]}..${window[1]}`, r.aggregates.window));
  out.push('', 'Group effects');
  for (const g of r.groupEffects) out.push(`${label(g.group).padStart(8)} ${fmt(g.estimate)} ${fmt(g.se)}   [${fmt(g.lower, 0)}, ${fmt(g.upper, 0)}]`);
  out.push('', `Event-time path (${r.simultaneous ? 'simultaneous' : 'pointwise'} band, critical value ${r.criticalValue.toFixed(3)})`);
  for (const p of r.eventStudy) out.push(`${String(p.e).padStart(8)} ${fmt(p.estimate)} ${fmt(p.se)}   [${fmt(p.lower, 0)}, ${fmt(p.upper, 0)}]`);
  if (r.preTrend) {
    out.push('', `Pre-trend test (pre-period event times jointly zero): chi2 = ${r.preTrend.statistic.toFixed(3)}, df = ${r.preTrend.df}, p = ${r.preTrend.pValue.toFixed(4)}`);
  }
  out.push('', 'did_twfe: two-way fixed effects, errors clustered by unit');
  out.push(agg('TWFE', twfe));
  if (twfe.bacon) {
    out.push(`Goodman-Bacon: ${(100 * twfe.bacon.forbiddenWeight).toFixed(1)}% of the TWFE weight is on comparisons with already-treated controls`);
    for (const t of twfe.bacon.byType) out.push(`  ${t.type.padEnd(48)} weight ${t.weight.toFixed(3)}  estimate ${fmt(t.estimate, 0)}`);
  }
  const warnings = [...(droppedRows > 0 ? [`${droppedRows} rows have no outcome and are left out`] : []), ...r.warnings];
  if (warnings.length > 0) out.push('', 'Warnings', ...warnings.map((w) => `  - ${w}`));
  console.log(out.join('\n'));
}

/**
 * `trainlift did FILE --id COL --time COL --group COL --outcome COL
 * [--control notyet|never] [--anticipation K] [--covariates A,B]
 * [--window a:b] [--json FILE] [--seed S]`: staggered DiD (ATT(g, t) table,
 * aggregates, event-time path, pre-trend test) and TWFE with its
 * Goodman-Bacon decomposition on any long panel. `--seed` switches on a
 * 999-draw multiplier bootstrap (bootstrap SEs, simultaneous band).
 *
 * @example
 * // trainlift did data/mpdta/mpdta.csv --id countyreal --time year --group first.treat --outcome lemp --control never --json out.json
 */
export function registerDid(program: Command): void {
  program
    .command('did')
    .description('staggered difference-in-differences (and TWFE) on a long panel with a first-treatment column')
    .argument('<file>', 'CSV or Parquet file, one row per unit and period')
    .requiredOption('--id <col>', 'unit id column')
    .requiredOption('--time <col>', 'period column (integer, or YYYY-MM)')
    .requiredOption('--group <col>', 'first treated period (0 or empty = never treated)')
    .requiredOption('--outcome <col>', 'outcome column')
    .option('--control <kind>', 'comparison units: notyet or never', 'notyet')
    .option('--anticipation <k>', 'periods of anticipation before treatment', '0')
    .option('--covariates <cols>', 'time-invariant covariates for the doubly robust version')
    .option('--window <a:b>', 'event times of the window ATT', '1:12')
    .option('--json <file>', 'write the results as JSON (CONTRACT §3)')
    .option('--seed <s>', 'seed of the multiplier bootstrap (999 draws); without it, analytic standard errors')
    .action(
      runAction('did', async (file: string, o: DidCliOptions) => {
        if (o.control !== 'notyet' && o.control !== 'never') throw new RangeError(`\`--control\` must be notyet or never, got "${o.control}"`);
        const anticipation = intOption('anticipation', o.anticipation, 0);
        if (anticipation < 0) throw new RangeError(`\`--anticipation\` must be >= 0, got ${anticipation}`);
        const window = windowOption(o.window);
        const covariates = listOption(o.covariates);
        const seed = o.seed === undefined ? undefined : seedOption(o.seed, 0);
        const { input, droppedRows, months } = await readPanelFile(file, { ...o, covariates });
        const staggered = didStaggered(input, {
          control: o.control,
          anticipation,
          window,
          covariates: covariates.length > 0,
          ...(seed !== undefined ? { bootstrap: { draws: 999, seed, progress: true } } : {}),
        });
        const twfe = didTwfe(input);
        const label = (t: number) => (months && t > 0 ? `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}` : String(t));
        printReport(staggered, twfe, label, window, o.control, droppedRows);
        if (o.json) {
          const { bacon, ...twfeEstimate } = twfe;
          const json = {
            estimates: [{ ...twfeEstimate, diagnostics: { ...twfeEstimate.diagnostics, bacon } }, staggered.aggregates.window],
            attgt: staggered.attgt.map((c) => ({ group: c.group, time: c.time, estimate: c.estimate, se: c.se })),
            aggregates: { simple: staggered.aggregates.simple, group: staggered.aggregates.group, dynamic: staggered.aggregates.dynamic },
            eventStudy: staggered.eventStudy.map((p) => ({ e: p.e, estimate: p.estimate, se: p.se, lower: p.lower, upper: p.upper })),
            groupEffects: staggered.groupEffects,
            preTrend: staggered.preTrend,
          };
          writeFileSync(o.json, JSON.stringify(json, null, 2) + '\n');
          console.log(`\nwrote ${o.json}`);
        }
        return 0;
      }),
    );
}
