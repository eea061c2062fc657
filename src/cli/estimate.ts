import type { Command } from 'commander';
import { runAction } from './action';

// Placeholder until the command lands; replaced by the owning work stream.
export function registerEstimate(program: Command): void {
  program
    .command('estimate')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(
      runAction('estimate', () => {
        console.error('trainlift estimate: not built yet');
        return 2;
      }),
    );
}
