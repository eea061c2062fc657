import { afterEach, describe, expect, it } from 'vitest';
import { plotDivHtml, plotlyLibraryScript, resetPlotDisplay, scriptSafeJson, showPlot, showTable, tableHtml } from '../../src/plot/display';

const spec = { data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'T' } } };

type Hook = { require: (name: string) => unknown };
const g = globalThis as { __tslab__?: Hook };

function fakeKernel(): string[] {
  const shown: string[] = [];
  g.__tslab__ = {
    require: (name) => (name === 'tslab' ? { display: { html: (s: string) => shown.push(s) } } : undefined),
  };
  return shown;
}

afterEach(() => {
  delete g.__tslab__;
  resetPlotDisplay();
});

describe('scriptSafeJson', () => {
  it('escapes characters that could end a script element or break a JS string', () => {
    const s = scriptSafeJson({ t: '</script><b>&\u2028' });
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual({ t: '</script><b>&\u2028' });
  });
});

describe('plotDivHtml', () => {
  it('draws the spec into a div with the given id and keeps data text out of the markup', () => {
    const html = plotDivHtml({ data: [], layout: { title: { text: '</script><script>alert(1)</script>' } } }, 'c-1');
    expect(html).toContain('<div id="c-1"');
    expect(html).toContain('Plotly.newPlot(el,s.data,s.layout');
    // Exactly the one script element this function writes.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
  });

  it('rejects an id that is not a plain HTML id', () => {
    expect(() => plotDivHtml(spec, 'a"b')).toThrow(/plotDivHtml: `id`/);
  });
});

describe('plotlyLibraryScript', () => {
  it('embeds plotly.js as one script element that defines window.Plotly', () => {
    const lib = plotlyLibraryScript();
    expect(lib.length).toBeGreaterThan(1_000_000);
    expect(lib).toContain('window.Plotly = Plotly');
    expect(lib.match(/<\/script>/gi)).toHaveLength(1);
  });
});

describe('showPlot', () => {
  it('sends plotly.js with the first chart only, then charts alone', () => {
    const shown = fakeKernel();
    showPlot(spec);
    showPlot(spec);
    expect(shown).toHaveLength(2);
    expect(shown[0]).toContain('window.Plotly = Plotly');
    expect(shown[1]).not.toContain('window.Plotly = Plotly');
    expect(shown[1]).toContain('Plotly.newPlot');
  });

  it('sends plotly.js again after resetPlotDisplay', () => {
    const shown = fakeKernel();
    showPlot(spec);
    resetPlotDisplay();
    showPlot(spec);
    expect(shown[1]).toContain('window.Plotly = Plotly');
  });

  it('says it needs the notebook kernel when run elsewhere', () => {
    expect(() => showPlot(spec)).toThrow(/showPlot\/showTable: run only inside the tslab notebook kernel/);
  });

  it('rejects something that is not a figure', () => {
    fakeKernel();
    expect(() => showPlot({} as never)).toThrow(TypeError);
  });
});

describe('tableHtml and showTable', () => {
  it('right-aligns rounded numbers, prints intervals as one cell and escapes text', () => {
    const html = tableHtml([
      { course: '<b>C01</b>', estimate: 812.345, ci: [625.9, 998.7], note: null },
      { course: 'C02', estimate: -3.14159, ci: [-5, -1] },
    ]);
    expect(html).toContain('<th style="text-align:left;border-bottom:1px solid #999;padding:3px 8px">estimate</th>');
    expect(html).toContain('>&lt;b&gt;C01&lt;/b&gt;</td>');
    expect(html).toContain('text-align:right;font-variant-numeric:tabular-nums">812.3</td>');
    expect(html).toContain('>[625.9, 998.7]</td>');
    expect(html).toContain('>−3.14</td>');
    expect(html.match(/<tr>/g)).toHaveLength(3);
  });

  it('reads an arquero-like table and says how many rows it left out', () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ i }));
    const html = tableHtml({ objects: () => rows }, { limit: 10, caption: 'first ten' });
    expect(html.match(/<tr>/g)).toHaveLength(11);
    expect(html).toContain('15 more rows not shown');
    expect(html).toContain('first ten</caption>');
  });

  it('takes rows typed by an interface (no index signature)', () => {
    interface Step {
      step: string;
      changed: number;
    }
    const steps: Step[] = [{ step: 'drop duplicates', changed: 3 }];
    expect(tableHtml(steps)).toContain('>drop duplicates</td>');
  });

  it('sends the table to the notebook', () => {
    const shown = fakeKernel();
    showTable([{ a: 1 }]);
    expect(shown[0]).toContain('class="trainlift-table"');
  });
});
