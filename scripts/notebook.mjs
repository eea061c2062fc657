#!/usr/bin/env node
// Notebook housekeeping for the committed notebooks/*.ipynb:
//
//   node scripts/notebook.mjs clean notebooks/*.ipynb
//     clears outputs and execution counts, sets stable cell ids, the tslab
//     kernelspec and nbformat 4.5, so diffs show only source changes.
//
//   node scripts/notebook.mjs build draft.ts notebooks/NN-topic.ipynb
//     writes a clean notebook from a "percent" script: cells start at lines
//     `// %%` (code) or `// %% [markdown]` (markdown, each line after `// `).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const KERNELSPEC = { name: 'tslab', display_name: 'TypeScript', language: 'typescript' };
const LANGUAGE_INFO = {
  name: 'typescript',
  file_extension: '.ts',
  mimetype: 'text/typescript',
  codemirror_mode: { name: 'javascript', typescript: true },
};

function toSourceLines(text) {
  const lines = text.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)).filter((l, i, a) => !(i === a.length - 1 && l === ''));
}

function cellId(cell, index, seen) {
  // Ids stay the same while a cell's text does, so reviews show real edits.
  const text = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
  let id = createHash('sha1').update(`${cell.cell_type}\n${text}`).digest('hex').slice(0, 8);
  while (seen.has(id)) id = createHash('sha1').update(`${id}:${index}`).digest('hex').slice(0, 8);
  seen.add(id);
  return id;
}

function normalize(nb) {
  const seen = new Set();
  const cells = nb.cells.map((cell, i) => {
    const source = Array.isArray(cell.source) ? cell.source : toSourceLines(String(cell.source ?? ''));
    const out = { cell_type: cell.cell_type, id: '', metadata: {}, source };
    if (cell.cell_type === 'code') {
      out.execution_count = null;
      out.outputs = [];
    }
    out.id = cellId(out, i, seen);
    return out;
  });
  return { cells, metadata: { kernelspec: KERNELSPEC, language_info: LANGUAGE_INFO }, nbformat: 4, nbformat_minor: 5 };
}

function fromPercentScript(text) {
  const cells = [];
  let current = null;
  for (const line of text.split('\n')) {
    const m = /^\/\/ %%(\s*\[markdown\])?\s*$/.exec(line);
    if (m) {
      current = { cell_type: m[1] ? 'markdown' : 'code', lines: [] };
      cells.push(current);
      continue;
    }
    if (!current) continue;
    current.lines.push(current.cell_type === 'markdown' ? line.replace(/^\/\/ ?/, '') : line);
  }
  return {
    cells: cells.map((c) => {
      while (c.lines.length && c.lines[c.lines.length - 1].trim() === '') c.lines.pop();
      while (c.lines.length && c.lines[0].trim() === '') c.lines.shift();
      return { cell_type: c.cell_type, source: toSourceLines(c.lines.join('\n')) };
    }),
  };
}

function write(file, nb) {
  writeFileSync(file, `${JSON.stringify(normalize(nb), null, 1)}\n`);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'clean' && args.length > 0) {
  for (const f of args) write(f, JSON.parse(readFileSync(f, 'utf8')));
} else if (cmd === 'build' && args.length === 2) {
  write(args[1], fromPercentScript(readFileSync(args[0], 'utf8')));
} else {
  console.error('usage: node scripts/notebook.mjs clean NB.ipynb...\n       node scripts/notebook.mjs build DRAFT.ts OUT.ipynb');
  process.exit(2);
}
