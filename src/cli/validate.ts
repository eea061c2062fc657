import type { Command } from 'commander';
import { basename } from 'node:path';
import { runAction } from './action';
import { loadStudy } from '../data/load';
import { hasErrors, validateStudy } from '../data/validate';
import type { Problem } from '../data/schema';

/**
 * Formats problems as an aligned table: severity, file, row, column, message.
 *
 * @example
 * formatProblems([{ severity: 'error', file: 'x/training.csv', row: 4, column: 'score', message: 'expected a score in [0, 100], got 120' }]);
 * // => 'severity  file          row  column  message\nerror     training.csv  4    score   expected a score in [0, 100], got 120'
 */
export function formatProblems(problems: Problem[]): string {
  const rows = problems.map((p) => [p.severity, basename(p.file), p.row === null ? '' : String(p.row), p.column ?? '', p.message]);
  const head = ['severity', 'file', 'row', 'column', 'message'];
  const width = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const fmt = (r: string[]) => r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(width[j]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/**
 * `trainlift validate DIR`: prints every problem of a study folder and exits
 * 1 when any is an error, 0 otherwise (CONTRACT §2).
 *
 * @example
 * registerValidate(program); // then: trainlift validate data/sample
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a study folder against the data contract: every problem with file, row and column; exit 1 on any error')
    .argument('<dir>', 'study folder (employees.csv, training.csv, outcomes.csv; courses.csv and context.csv optional)')
    .action(
      runAction('validate', async (dir: string) => {
        const problems = validateStudy(await loadStudy(dir));
        const errors = problems.filter((p) => p.severity === 'error').length;
        const warnings = problems.length - errors;
        if (problems.length > 0) console.log(formatProblems(problems));
        console.log(`${dir}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${errors === 0 ? ' — ready for `trainlift study`' : ''}`);
        return hasErrors(problems) ? 1 : 0;
      }),
    );
}
