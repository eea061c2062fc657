import type { Command } from 'commander';
import { runAction, intOption, seedOption } from './action';
import { SCENARIOS, writeSynth } from '../data/synth';

/**
 * `trainlift synth --out DIR [--employees N] [--months M] [--seed S] [--scenario NAME] [--courses 6|8] [--messy]`:
 * writes a synthetic study folder with truth.json (CONTRACT §2).
 *
 * @example
 * registerSynth(program); // then: trainlift synth --out /tmp/acme --seed 7
 */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('write a synthetic company (study folder + truth.json) with known course effects')
    .requiredOption('--out <dir>', 'folder to write employees, courses, training, outcomes, context CSVs and truth.json')
    .option('--employees <n>', 'number of employees', '2000')
    .option('--months <m>', 'months of outcome data (18..240)', '30')
    .option('--seed <s>', 'random seed, 0 to 2147483647: same seed, same bytes', '7')
    .option('--start <YYYY-MM>', 'first outcome month', '2024-01')
    .option('--scenario <name>', `one of: ${Object.keys(SCENARIOS).join(', ')}`, 'default')
    .option('--courses <n>', 'courses in the catalogue: 6 (C01–C06, each with its trap) or 8 (adds a no-effect compliance course and a randomly taken one)', '6')
    .option('--messy', 'inject realistic export faults (duplicates, id case and spaces, mixed date formats, missing months, orphans, a dropped column)')
    .addHelpText('after', `\nScenarios:\n${Object.entries(SCENARIOS).map(([k, v]) => `  ${k.padEnd(11)} ${v}`).join('\n')}`)
    .action(
      runAction('synth', async (opts: { out: string; employees: string; months: string; seed: string; start: string; scenario: string; courses: string; messy?: boolean }) => {
        const truth = await writeSynth(opts.out, {
          employees: intOption('employees', opts.employees, 2000),
          months: intOption('months', opts.months, 30),
          seed: seedOption(opts.seed, 7),
          start: opts.start,
          scenario: opts.scenario,
          courses: intOption('courses', opts.courses, 6),
          messy: opts.messy === true,
        });
        const courses = Object.keys(truth.effects);
        console.log(`wrote ${opts.out}: employees, courses (${courses.length}), training, outcomes, context, truth.json (scenario ${truth.scenario}, seed ${truth.seed}${opts.messy ? ', messy' : ''})`);
        console.log('true revenue ATT per employee-month over months 1..12 after completion:');
        for (const c of courses) {
          const r = truth.effects[c].revenue;
          console.log(`  ${c}  ${r.att.toFixed(1).padStart(9)}  (${r.nTreated} trained, ${r.treatedMonths} employee-months)`);
        }
        return 0;
      }),
    );
}
