import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { renderReports } from '../report/render-report';
import { prepareStudy, runStudy } from '../study/run-study';
import { formatStudySummary } from '../study/summary';
import { intOption, listOption, runAction, windowOption, seedOption } from './action';

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`\`--${name}\` must be a number ≥ 0, got "${value}"`);
  return n;
}

function writeOut(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** `trainlift study DIR --outcome METRIC ...` (CONTRACT §2). */
export function registerStudy(program: Command): void {
  program
    .command('study')
    .description('validate, clean, build the panel, run every estimator, attribution and ROI on a study folder; print a summary, write JSON / HTML')
    .argument('<dir>', 'study folder (employees.csv, training.csv, outcomes.csv, optional courses.csv and context.csv)')
    .requiredOption('--outcome <metrics>', 'metric column(s) of outcomes.csv, e.g. revenue or revenue,deals_won (one report for all)')
    .option('--course <ids>', 'only these courses (comma-separated)')
    .option('--window <a:b>', 'months since completion in the window', '1:12')
    .option('--json <file>', 'write the study JSON (CONTRACT §3)')
    .option('--html <file>', 'write the self-contained HTML report')
    .option('--seed <n>', 'seed of every random step, 0 to 2147483647', '1')
    .option('--truth <file>', 'hold the estimates against a truth.json written by `trainlift synth`')
    .option('--bootstrap <n>', 'multiplier-bootstrap draws for the event-study band (0 = analytic)', '999')
    .option('--hourly-cost <money>', 'cost of one hour of seat time, for ROI')
    .option('--fixed-cost <money>', 'fixed programme cost per course, for ROI')
    .option('--margin <share>', 'share of the (first) outcome that is profit, for ROI (default 1: the outcome is money)')
    .option('--value <metric=money>', 'money to the business per unit of a metric, for its ROI, e.g. deals_won=4500 (comma-separated); a second outcome without one gets no ROI')
    .option('--no-attribution', 'skip the attribution models')
    .option('--min-group-size <n>', 'suppress breakdowns of fewer employees', '5')
    .option('--controls-per-trained <n|all>', 'compare each cohort with a seeded random sample of at most n control rows per trained employee (at least --min-controls), weighted for the rest; all = every control', '20')
    .option('--min-controls <n>', 'a sampled cohort keeps at least this many control rows', '2000')
    .option('--quiet', 'print nothing but errors')
    .action(
      runAction('study', async (dir: string, o: Record<string, string | boolean | undefined>) => {
        const seed = seedOption(o.seed as string, 1);
        const minGroupSize = intOption('min-group-size', o.minGroupSize as string, 5);
        const outcomes = listOption(o.outcome as string);
        if (outcomes.length === 0) throw new RangeError('`--outcome` needs at least one metric name, e.g. --outcome revenue');
        const progress = !o.quiet && process.stderr.isTTY === true;
        const prepared = await prepareStudy(dir, { progress });
        const values = valueOption(o.value as string | undefined, outcomes);
        const margin = numberOption('margin', o.margin as string | undefined);
        const runs = [];
        for (const [k, outcome] of outcomes.entries()) {
          // The first outcome is taken to be money (times --margin); any other needs its value per unit.
          const roi = values.has(outcome) || k === 0;
          const run = await runStudy(prepared, {
            outcome,
            reportOutcomes: outcomes,
            courses: listOption(o.course as string | undefined),
            window: windowOption(o.window as string),
            seed,
            truthFile: o.truth as string | undefined,
            bootstrapDraws: intOption('bootstrap', o.bootstrap as string, 999),
            hourlyCost: numberOption('hourly-cost', o.hourlyCost as string | undefined),
            fixedCost: numberOption('fixed-cost', o.fixedCost as string | undefined),
            margin: values.get(outcome) ?? margin,
            roi,
            attribution: o.attribution !== false,
            minGroupSize,
            controlsPerTrained: controlsOption(o.controlsPerTrained as string),
            minControls: minControlsOption(o.minControls as string),
            progress,
          });
          if (!roi) {
            run.result.data.warnings = [
              ...(run.result.data.warnings ?? []),
              `ROI not computed for ${outcome}: its units are not known to be money; give --value ${outcome}=<money per unit> (the first outcome, ${outcomes[0]}, is taken to be money)`,
            ];
          }
          if (!o.quiet) console.log((runs.length > 0 ? '\n' : '') + formatStudySummary(run.result, run.panel));
          runs.push(run);
        }
        if (typeof o.json === 'string') {
          // One outcome: CONTRACT §3 as it stands; several: one such object per outcome.
          const json = runs.length === 1 ? runs[0].result : { outcomes: runs.map((r) => r.result) };
          writeOut(o.json, JSON.stringify(json, null, 2) + '\n');
          if (!o.quiet) console.log(`\nwrote ${o.json}`);
        }
        if (typeof o.html === 'string') {
          writeOut(o.html, renderReports(runs.map((r) => ({ result: r.result, charts: r.charts })), { minGroupSize }));
          if (!o.quiet) console.log(`wrote ${o.html}`);
        }
        return 0;
      }),
    );
}

function minControlsOption(value: string): number {
  const n = intOption('min-controls', value, 2000);
  if (n < 1) throw new RangeError(`\`--min-controls\` must be an integer ≥ 1, got "${value}"`);
  return n;
}

// `--controls-per-trained 20` or `all`.
function controlsOption(value: string): number | 'all' {
  if (value.trim().toLowerCase() === 'all') return 'all';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`\`--controls-per-trained\` must be a number > 0 or all, got "${value}"`);
  return n;
}

// `--value deals_won=4500,revenue=0.35`: money per unit of each named metric (each one an outcome of the study).
function valueOption(value: string | undefined, outcomes: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of listOption(value)) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !(Number.isFinite(v) && v > 0)) throw new RangeError(`\`--value\` takes metric=money pairs with money > 0, e.g. deals_won=4500; got "${item}"`);
    const metric = m[1].trim();
    if (!outcomes.includes(metric)) throw new RangeError(`\`--value\` names ${metric}, which is not an outcome of this study (${outcomes.join(', ')})`);
    out.set(metric, v);
  }
  return out;
}
