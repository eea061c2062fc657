import type { Command } from 'commander';
import { runAction } from './action';

// Placeholder until the command lands; replaced by the owning work stream.
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(
      runAction('validate', () => {
        console.error('trainlift validate: not built yet');
        return 2;
      }),
    );
}
