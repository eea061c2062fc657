import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { attribute, PATH_ATTRIBUTION_MODELS } from '../attribution/attribute';
import { readPathFile } from '../attribution/paths';
import type { AttributionResult } from '../attribution/result';
import { intOption, listOption, runAction, seedOption } from './action';

interface AttributeFlags {
  path?: string;
  conversions?: string;
  value?: string;
  null?: string;
  separator: string;
  model?: string;
  order?: string;
  variant?: string;
  json?: string;
  seed?: string;
}

function creditTable(results: AttributionResult[], field: 'credit' | 'conversions' | 'value'): string {
  const courses = Object.keys(results[0][field]);
  const width = Math.max(8, ...courses.map((c) => c.length));
  const head = ['course'.padEnd(width), ...results.map((r) => r.model.padStart(15))].join(' ');
  const fmt = (x: number): string => (field === 'credit' ? x.toFixed(4) : x.toFixed(2)).padStart(15);
  const rows = courses.map((c) => [c.padEnd(width), ...results.map((r) => fmt(r[field][c] ?? 0))].join(' '));
  return [head, ...rows].join('\n');
}

/**
 * `trainlift attribute FILE --path COL --conversions COL [--value COL]
 * [--null COL] [--separator ">"] [--model M[,M...]] [--json FILE]`: credits
 * by model on an aggregated journey file, e.g. ChannelAttribution's PathData.
 *
 * @example
 * trainlift attribute data/channel_paths/path_data.csv --path path --conversions total_conversions \
 *   --value total_conversion_value --null total_null --model first_touch,last_touch,linear,markov
 */
export function registerAttribute(program: Command): void {
  program
    .command('attribute')
    .description('Multi-touch attribution of an aggregated journey file (one row per path with its counts)')
    .argument('<file>', 'CSV or Parquet file, one row per distinct path')
    .option('--path <col>', 'column with the path, courses separated by --separator')
    .option('--conversions <col>', 'column with the number of conversions on the path')
    .option('--value <col>', 'column with the total conversion value')
    .option('--null <col>', 'column with the number of journeys without conversion (needed by markov)')
    .option('--separator <text>', 'separator between courses in a path', '>')
    .option('--model <list>', `models, comma separated: ${PATH_ATTRIBUTION_MODELS.join(', ')} (default: all)`)
    .option('--order <k>', 'markov: order of the chain, 1 to 3', '1')
    .option('--variant <name>', 'shapley: simplified, ordered or rate', 'simplified')
    .option('--seed <s>', 'seed for sampled Shapley values', '1')
    .option('--json <file>', 'write { "attribution": [...] } to this file')
    .action(
      runAction('attribute', async (file: string, flags: AttributeFlags) => {
        if (!flags.path) throw new RangeError('`--path` is required: the column holding the paths');
        if (!flags.conversions) throw new RangeError('`--conversions` is required: the column holding the conversion counts');
        const models = listOption(flags.model);
        const chosen = models.length > 0 ? models : PATH_ATTRIBUTION_MODELS;
        for (const m of chosen) {
          if (!(PATH_ATTRIBUTION_MODELS as string[]).includes(m)) {
            throw new RangeError(`\`--model\`: unknown model "${m}"; expected one of ${PATH_ATTRIBUTION_MODELS.join(', ')}`);
          }
        }
        const counts = await readPathFile(file, {
          path: flags.path,
          conversions: flags.conversions,
          value: flags.value,
          nulls: flags.null,
          separator: flags.separator,
        });
        if (chosen.includes('markov') && !flags.null) {
          console.error('trainlift attribute: warning: no --null column, so markov sees only converting journeys');
        }
        const order = intOption('order', flags.order, 1);
        const seed = seedOption(flags.seed, 1);
        const variant = flags.variant as 'simplified' | 'ordered' | 'rate';
        const results = chosen.map((m) => attribute(counts, m as (typeof PATH_ATTRIBUTION_MODELS)[number], { order, variant, seed }));
        console.log(`Credit share by model (${counts.paths.length} paths)`);
        console.log(creditTable(results, 'credit'));
        console.log('\nAttributed conversions');
        console.log(creditTable(results, 'conversions'));
        if (flags.value) {
          console.log('\nAttributed value');
          console.log(creditTable(results, 'value'));
        }
        const notes = results.flatMap((r) => r.notes.map((n) => `${r.model}: ${n}`));
        if (notes.length > 0) console.log(`\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}`);
        if (flags.json) {
          const attribution = results.map((r) => ({
            model: r.model,
            credit: r.credit,
            conversions: r.conversions,
            value: r.value,
            notes: r.notes,
          }));
          writeFileSync(flags.json, `${JSON.stringify({ attribution }, null, 2)}\n`);
        }
        return 0;
      }),
    );
}
