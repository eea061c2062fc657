import type { Command } from 'commander';
import { runAction } from './action';

// Placeholder until the command lands; replaced by the owning work stream.
export function registerAttribute(program: Command): void {
  program
    .command('attribute')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(
      runAction('attribute', () => {
        console.error('trainlift attribute: not built yet');
        return 2;
      }),
    );
}
