// The simulation study's bar (issue 6): over 200 synthetic companies per
// scenario, the 95 % interval of the estimate the study recommends for each
// course (row `recommended`) covers the truth 93–97 % of the time. Prints bias, RMSE and coverage per scenario and method, the
// time, and whether each recommended row meets the bar.
// `npm run bench -- simulation`; SIM_REPS, SIM_EMPLOYEES, SIM_MONTHS, SIM_WORKERS,
// SIM_COURSE override the defaults; SIM_CONTROLS=perTrained:min samples each cohort's controls as a
// large study does (e.g. 2:50 on companies of 600), to check the intervals of a sampled study.
import { availableParallelism } from 'node:os';
import { simulationStudy } from '../src/compare/simulation';
import { peakRssMb, timeStep } from './measure';

const RECOMMENDED = ['recommended'];
const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
function controlsOf(v: string): { perTrained: number; min: number } {
  const [perTrained, min] = v.split(':').map(Number);
  if (!(perTrained > 0) || !(min >= 1)) throw new RangeError(`SIM_CONTROLS must look like 2:50 (per trained employee : minimum a cohort), got ${v}`);
  return { perTrained, min };
}

const { value: sim } = await timeStep('simulation study', () =>
  simulationStudy({
    replications: env('SIM_REPS', 200),
    scenarios: ['default', 'null'],
    seed: 20240,
    employees: env('SIM_EMPLOYEES', 600),
    months: env('SIM_MONTHS', 30),
    course: process.env.SIM_COURSE || undefined,
    methods: ['naive_difference', 'before_after', 'regression_adjustment', 'aipw', 'did_staggered', 'recommended'],
    workers: env('SIM_WORKERS', availableParallelism()),
    progress: true,
    ...(process.env.SIM_CONTROLS ? { controls: controlsOf(process.env.SIM_CONTROLS) } : {}),
  }),
);
console.log(`\n${sim.records.length} replications on ${sim.workers} worker thread(s) in ${sim.seconds.toFixed(1)} s, peak RSS ${peakRssMb().toFixed(0)} MB (main thread)\n`);
console.log(['scenario', 'course', 'method', 'reps', 'fail', 'truth', 'bias', 'rmse', 'meanSE', 'sdEst', 'sdErr', 'coverage', 'bar'].join('\t'));
let missed = 0;
for (const r of sim.rows) {
  const recommended = RECOMMENDED.includes(r.method);
  const ok = r.coverage >= 0.93 && r.coverage <= 0.97;
  if (recommended && !ok) missed++;
  console.log(
    [r.scenario, r.course ?? '', r.method, r.replications, r.failures, r.meanTruth.toFixed(1), r.bias.toFixed(1), r.rmse.toFixed(1), r.meanSe.toFixed(1), r.sdEstimate.toFixed(1), r.sdError.toFixed(1), `${(100 * r.coverage).toFixed(1)} %`, recommended ? (ok ? 'meets 93–97 %' : 'MISSES 93–97 %') : ''].join('\t'),
  );
}
console.log(missed === 0 ? '\nEvery recommended estimator meets the 93–97 % coverage bar.' : `\n${missed} recommended row(s) miss the 93–97 % coverage bar.`);
