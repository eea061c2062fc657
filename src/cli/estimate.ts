import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Estimate } from '../core/estimate';
import { DataError } from '../core/errors';
import { loadFlatTable, numericColumn, type FlatTable } from '../data/flat-table';
import { CROSS_SECTION_METHOD_NAMES, estimateCrossSection, type CrossSectionOptions } from '../causal/cross-section';
import type { CrossSectionInput } from '../causal/cross-section-input';
import { clusterCodes } from '../stats/vcov';
import { intOption, listOption, runAction, seedOption } from './action';

interface EstimateCliOptions {
  treatment: string;
  outcome: string;
  covariates?: string;
  method?: string;
  ratio?: string;
  replace?: boolean;
  caliper?: string;
  exact?: string;
  adjust?: boolean;
  vcov?: string;
  json?: string;
  seed?: string;
  dropMissing?: boolean;
  matchitCompat?: boolean;
}

function column(table: FlatTable, name: string): Float64Array | (string | null)[] {
  const col = table.columns[name];
  if (col === undefined) numericColumn(table, name); // throws "no column `x`; the columns are ..."
  return col;
}

/**
 * Reads the flat table and the options into a CrossSectionInput and the
 * estimator options.
 *
 * @example
 * const { input, opts } = await estimateInputs('data/lalonde/matchit_lalonde.csv', { treatment: 'treat', outcome: 're78' });
 */
export async function estimateInputs(file: string, o: EstimateCliOptions): Promise<{ input: CrossSectionInput; opts: CrossSectionOptions; methods: string[] }> {
  const table = await loadFlatTable(file);
  const treat = numericColumn(table, o.treatment);
  for (let i = 0; i < treat.length; i++) {
    if (Number.isNaN(treat[i]) && o.dropMissing) continue;
    if (treat[i] !== 0 && treat[i] !== 1) {
      throw new DataError(`${file} row ${i + 2}, column \`${o.treatment}\`: the treatment must be 0 or 1, got ${Number.isNaN(treat[i]) ? 'an empty cell' : treat[i]}`, {
        file,
        row: i + 2,
        column: o.treatment,
      });
    }
  }
  const y = numericColumn(table, o.outcome);
  const covariates = listOption(o.covariates).map((name) => ({ name, values: column(table, name) }));
  if (!o.dropMissing) {
    // A missing value is named where it is, with the flag that leaves such rows out (and reports them).
    for (const { name, values } of [{ name: o.outcome, values: y as Float64Array | (string | null)[] }, ...covariates]) {
      let first = -1;
      let count = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || (typeof v === 'number' && Number.isNaN(v))) {
          if (first < 0) first = i;
          count++;
        }
      }
      if (count > 0) {
        throw new DataError(
          `${file} row ${first + 2}, column \`${name}\`: the value is missing${count > 1 ? ` (and in ${count - 1} more row${count > 2 ? 's' : ''})` : ''}; fill it, or pass --drop-missing to leave such rows out (they are counted in the output)`,
          { file, row: first + 2, column: name },
        );
      }
    }
  }
  const opts: CrossSectionOptions = { adjust: Boolean(o.adjust), dropMissing: Boolean(o.dropMissing), matchitCompat: Boolean(o.matchitCompat) };
  if (o.ratio !== undefined) opts.ratio = intOption('ratio', o.ratio, 1);
  if (o.replace) opts.replace = true;
  if (o.caliper !== undefined) {
    const c = Number(o.caliper);
    if (!(c > 0)) throw new RangeError(`\`--caliper\` must be a number > 0 (in SDs of the logit score), got "${o.caliper}"`);
    opts.caliper = c;
  }
  const exact = listOption(o.exact);
  if (exact.length > 0) {
    for (const name of exact) if (!covariates.some((c) => c.name === name)) throw new RangeError(`\`--exact\` names \`${name}\`, which is not in --covariates`);
    opts.exact = exact;
  }
  if (o.seed !== undefined) opts.seed = seedOption(o.seed, 0);
  let cluster: Int32Array | undefined;
  if (o.vcov !== undefined) {
    const m = /^cluster:(.+)$/.exec(o.vcov);
    if (m) {
      const labels = column(table, m[1]);
      const asLabels = Array.from(labels as ArrayLike<string | number | null>, (v, i) => {
        if (v === null || (typeof v === 'number' && Number.isNaN(v))) {
          throw new DataError(`${file} row ${i + 2}, column \`${m[1]}\`: the cluster label is empty`, { file, row: i + 2, column: m[1] });
        }
        return v;
      });
      cluster = clusterCodes(asLabels).codes;
    } else if (['HC0', 'HC1', 'HC2', 'HC3', 'classical'].includes(o.vcov)) {
      opts.vcov = o.vcov as CrossSectionOptions['vcov'];
    } else {
      throw new RangeError(`\`--vcov\` must be HC0, HC1, HC2, HC3, classical or cluster:COLUMN, got "${o.vcov}"`);
    }
  }
  const methods = o.method === undefined ? [...CROSS_SECTION_METHOD_NAMES] : listOption(o.method);
  for (const m of methods) {
    if (!(CROSS_SECTION_METHOD_NAMES as readonly string[]).includes(m)) {
      throw new RangeError(`\`--method\`: unknown method \`${m}\`; the methods are ${CROSS_SECTION_METHOD_NAMES.join(', ')}`);
    }
  }
  return { input: { y, treat, covariates, cluster }, opts, methods };
}

function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'NA';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function keyDiagnostics(e: Estimate): string {
  const d = e.diagnostics;
  const parts: string[] = [];
  if (typeof d.nMatched === 'number') parts.push(`matched ${d.nMatched}`);
  if (typeof d.unmatchedTreated === 'number' && d.unmatchedTreated > 0) parts.push(`${d.unmatchedTreated} treated unmatched`);
  if (typeof d.effectiveControls === 'number') parts.push(`ESS controls ${d.effectiveControls.toFixed(1)}`);
  if (typeof d.vcov === 'string') parts.push(`SE: ${d.vcov}`);
  else if (typeof d.se === 'string') parts.push(`SE: ${d.se}`);
  return parts.join('; ');
}

/**
 * A readable table of estimates (method, estimate, SE, 95% CI, group sizes,
 * key diagnostics) followed by each method's warnings.
 *
 * @example
 * console.log(formatEstimateTable([naiveDifference(input)]));
 */
export function formatEstimateTable(estimates: Estimate[]): string {
  const rows = estimates.map((e) => [e.method, fmt(e.estimate), fmt(e.se), `[${fmt(e.ci[0])}, ${fmt(e.ci[1])}]`, String(e.nTreated), String(e.nControl), keyDiagnostics(e)]);
  const header = ['method', 'estimate', 'SE', '95% CI', 'treated', 'control', 'diagnostics'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j >= 1 && j <= 5 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  for (const e of estimates) {
    const warnings = (e.diagnostics.warnings as string[] | undefined) ?? [];
    for (const w of warnings) out.push(`  ! ${e.method}: ${w}`);
  }
  return out.join('\n');
}

/**
 * `trainlift estimate FILE --treatment COL --outcome COL ...` (CONTRACT §2):
 * runs the cross-sectional methods on a flat table, prints a table and
 * writes `{ "estimates": [...] }` with --json.
 *
 * @example
 * registerEstimate(program);
 */
export function registerEstimate(program: Command): void {
  program
    .command('estimate')
    .description('Estimate the effect of a 0/1 treatment on an outcome in a flat table (one row per unit)')
    .argument('<file>', 'CSV or Parquet file, one row per unit')
    .requiredOption('--treatment <col>', 'the 0/1 treatment column')
    .requiredOption('--outcome <col>', 'the outcome column')
    .option('--covariates <a,b,c>', 'pre-treatment covariates (text columns become indicators)')
    .option('--method <m[,m...]>', `methods: ${CROSS_SECTION_METHOD_NAMES.join(', ')} (default: all)`)
    .option('--ratio <k>', 'psm_nearest: controls per treated unit (default 1)')
    .option('--replace', 'psm_nearest: match with replacement')
    .option('--caliper <sd>', 'psm_nearest: caliper in SDs of the logit propensity score')
    .option('--exact <a,b>', 'psm_nearest: covariates to match exactly on')
    .option('--adjust', 'psm_nearest: add the covariates to the regression on the matched data')
    .option('--vcov <type>', 'HC0|HC1|HC2|HC3|classical|cluster:COL (default HC1; matching clusters by matched set)')
    .option('--json <file>', 'write { "estimates": [...] } to this file')
    .option('--seed <s>', 'seed (random matching order)')
    .option('--drop-missing', 'drop rows with missing values (reported) instead of failing')
    .option('--matchit-compat', "psm_nearest: reproduce MatchIt 4.5.1's matches exactly, including its integer-distance bug")
    .action(
      runAction('estimate', async (file: string, o: EstimateCliOptions) => {
        const { input, opts, methods } = await estimateInputs(file, o);
        const estimates: Estimate[] = [];
        for (const m of methods) {
          try {
            estimates.push(estimateCrossSection(m, input, opts));
          } catch (e) {
            if (e instanceof DataError && !e.file) throw new DataError(`${file}: ${e.message}`, { file, column: e.column });
            throw e;
          }
        }
        console.log(formatEstimateTable(estimates));
        if (o.json) {
          writeFileSync(o.json, JSON.stringify({ estimates }, null, 2) + '\n');
          console.log(`wrote ${o.json}`);
        }
        return 0;
      }),
    );
}
