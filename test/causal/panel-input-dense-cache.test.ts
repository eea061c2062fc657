import { describe, expect, it } from 'vitest';
import { densePanel, type PanelInput } from '../../src/causal/panel-input';

function input(): PanelInput {
  return {
    unit: Int32Array.of(7, 7, 7, 3, 3, 5, 5, 5),
    time: Int32Array.of(1, 2, 3, 1, 3, 1, 2, 3),
    y: Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    group: Int32Array.of(2, 2, 2, 0, 0, 3, 3, 3),
  };
}

// Plain copies of a dense panel's contents, to compare a reused one with a fresh one.
const contents = (d: ReturnType<typeof densePanel>) => JSON.stringify({ ...d, yByPeriod: Array.from(d.yByPeriod) }, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v));

describe('densePanel reuse', () => {
  it('hands out the same dense panel for the same unchanged input', () => {
    const x = input();
    const a = densePanel(x, 'test');
    expect(densePanel(x, 'test')).toBe(a);
    expect(densePanel({ ...x }, 'test')).toBe(a); // another input object over the same columns
  });
  it('builds it afresh when a row changed in place, or a column is another array', () => {
    const x = input();
    const a = densePanel(x, 'test');
    x.y[4] = 50;
    const b = densePanel(x, 'test');
    expect(b).not.toBe(a);
    expect(b.yByPeriod[2 * b.nUnits + 1]).toBe(50);
    x.group[5] = 2;
    x.group[6] = 2;
    x.group[7] = 2;
    const c = densePanel(x, 'test');
    expect(c).not.toBe(b);
    expect(Array.from(c.unitGroup)).toEqual([2, 0, 2]);
    const y = { ...x, time: Int32Array.of(1, 2, 4, 1, 4, 1, 2, 4) };
    const d = densePanel(y, 'test');
    expect(Array.from(d.periods)).toEqual([1, 2, 4]);
    // a fresh build of an equal input gives the same contents as the reused one
    const fresh = input();
    expect(contents(densePanel(fresh, 'test'))).toBe(contents(densePanel({ ...input() }, 'test')));
  });
  it('does not keep a weighted input (its weights are not checked on reuse)', () => {
    const x = { ...input(), weights: Float64Array.of(1, 1, 1, 2, 2, 3, 3, 3) };
    expect(densePanel(x, 'test')).not.toBe(densePanel(x, 'test'));
  });
});
