import { describe, expect, it } from 'vitest';
import { choleskyInverse, choleskyScaled, choleskySolve, crossprodVector, linearPredictor, sandwichProduct, weightedGram } from '../../src/stats/linalg';
import { bindColumns, columnDesign, designMatrix, factorLevels, subsetRows } from '../../src/stats/design';

describe('linalg kernels (hand-worked)', () => {
  it('Cholesky solve and inverse of [[4, 2], [2, 3]]', () => {
    const A = Float64Array.from([4, 2, 2, 3]);
    const f = choleskyScaled(A, 2);
    if ('dependent' in f) throw new Error('unexpected');
    const x = choleskySolve(f, Float64Array.from([2, 5]), 2); // 4x+2y=2, 2x+3y=5 → x=-0.5, y=2
    expect(x[0]).toBeCloseTo(-0.5, 12);
    expect(x[1]).toBeCloseTo(2, 12);
    const inv = choleskyInverse(f, 2); // 1/8 [[3, -2], [-2, 4]]
    expect(Array.from(inv).map((v) => v * 8)).toEqual([3, -2, -2, 4].map((v) => expect.closeTo(v, 10)));
  });
  it('reports the first dependent column', () => {
    expect(choleskyScaled(Float64Array.from([1, 2, 2, 4]), 2)).toEqual({ dependent: 1 });
  });
  it('weightedGram, linearPredictor and sandwichProduct', () => {
    const X = designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3]) }]);
    expect(Array.from(weightedGram(X, Float64Array.from([1, 1, 2])))).toEqual([4, 9, 9, 23]);
    expect(Array.from(linearPredictor(X, Float64Array.from([1, 2])))).toEqual([3, 5, 7]);
    const X5 = designMatrix(["a", "b", "c", "d", "e"].map((name, j) => ({ name, values: Float64Array.from([j, 1, 2]) })), { intercept: false });
    expect(Array.from(linearPredictor(X5, Float64Array.from([1, 1, 1, 1, 1])))).toEqual([10, 5, 10]);
    expect(Array.from(crossprodVector(X5, Float64Array.from([1, 0, 1])))).toEqual([2, 3, 4, 5, 6]);
    expect(Array.from(sandwichProduct(Float64Array.from([2, 0, 0, 1]), Float64Array.from([1, 1, 1, 1]), 2, 0.5))).toEqual([2, 1, 1, 0.5]);
  });
});

describe('design helpers', () => {
  it('factor levels sort as R in the C locale; subset and bind keep column-major layout', () => {
    expect(factorLevels(['b', null, 'a', 'B'])).toEqual(['B', 'a', 'b']);
    const X = designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3]) }], { intercept: false });
    const Y = bindColumns(X, columnDesign('z', Float64Array.from([7, 8, 9])));
    expect(Y.names).toEqual(['x', 'z']);
    const S = subsetRows(Y, Int32Array.from([2, 0]));
    expect(Array.from(S.x)).toEqual([3, 1, 9, 7]);
  });
  it('a text column with one level is an error naming it', () => {
    expect(() => designMatrix([{ name: 'site', values: ['a', 'a'] }])).toThrow(/`site` has a single level/);
  });
});
