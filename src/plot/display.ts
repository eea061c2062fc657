import { readFileSync } from 'node:fs';
import { resolvePackageFile } from '../core/resolve';

/** A plain Plotly figure: traces, layout and optional config. */
export interface PlotSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let plotlyLoaded = false;
let divCounter = 0;

function plotlySource(): string {
  return readFileSync(resolvePackageFile('plotly.js-dist-min'), 'utf8');
}

/**
 * Shows a Plotly figure inline in a Jupyter notebook on the tslab kernel.
 * plotly.js is embedded once per kernel session (the first chart), so an
 * executed notebook exported to HTML still draws every chart offline.
 *
 * @example
 * showPlot({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'Demo' } } });
 */
export async function showPlot(spec: PlotSpec): Promise<void> {
  const tslab = await import('tslab');
  const id = `trainlift-plot-${process.pid}-${++divCounter}`;
  const lib = plotlyLoaded ? '' : `<script type="text/javascript">${plotlySource()}</script>`;
  plotlyLoaded = true;
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  tslab.display.html(
    `${lib}<div id="${id}" style="width:100%;min-height:420px"></div>` +
      `<script type="text/javascript">(function(){var s=${json};` +
      `Plotly.newPlot("${id}", s.data, s.layout, Object.assign({responsive:true}, s.config||{}));})();</script>`,
  );
}
