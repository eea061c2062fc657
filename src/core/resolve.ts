import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Resolves a file of an installed package (e.g. `plotly.js-dist-min`).
 * Code under src/ also runs compiled to CommonJS by the notebook kernel, where
 * `import.meta` does not exist, so resolution starts from the running script
 * (the CLI, vitest or tslab, all inside this project's node_modules tree) and
 * falls back to the working directory.
 *
 * @example
 * resolvePackageFile('plotly.js-dist-min'); // => '/…/node_modules/plotly.js-dist-min/plotly.min.js'
 */
export function resolvePackageFile(spec: string): string {
  const bases = [process.argv[1], join(process.cwd(), 'index.js')].filter((b): b is string => typeof b === 'string');
  let lastError: unknown;
  for (const base of bases) {
    try {
      return createRequire(base).resolve(spec);
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`could not find the installed package file \`${spec}\` (run npm install): ${String(lastError)}`);
}
