import type { Command } from 'commander';
import { runAction } from './action';

// Placeholder until the command lands; replaced by the owning work stream.
export function registerStudy(program: Command): void {
  program
    .command('study')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(
      runAction('study', () => {
        console.error('trainlift study: not built yet');
        return 2;
      }),
    );
}
