import { describe, expect, it } from 'vitest';
import { bindCovariates, covariateCodes, encodeCovariates } from '../../src/causal/covariate-encoding';
import { subsetInput, type CrossSectionInput } from '../../src/causal/cross-section-input';
import { bindColumns, columnDesign, designMatrix } from '../../src/stats/design';

const n = 40;
const input: CrossSectionInput = {
  y: Float64Array.from({ length: n }, (_, i) => i),
  treat: Float64Array.from({ length: n }, (_, i) => i % 2),
  covariates: [
    { name: 'age', values: Float64Array.from({ length: n }, (_, i) => 20 + ((i * 7) % 31)) },
    { name: 'role', values: Array.from({ length: n }, (_, i) => ['eng', 'ops', 'sales'][(i * 5) % 3]) },
    { name: 'region', values: Array.from({ length: n }, (_, i) => (i < 4 ? 'north' : i % 2 ? 'east' : 'west')) },
  ],
};
const reference = (c: CrossSectionInput['covariates']) => designMatrix(c, { intercept: false });

describe('encodeCovariates', () => {
  it('builds what designMatrix builds without an intercept, the first time and when the encoding is reused', () => {
    const first = encodeCovariates(input.covariates);
    expect(first).toEqual(reference(input.covariates));
    expect(first.names).toEqual(['age', 'roleops', 'rolesales', 'regionnorth', 'regionwest']);
    const noise = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const withNoise = [...input.covariates, { name: 'noise', values: noise }];
    expect(encodeCovariates(withNoise)).toEqual(reference(withNoise));
  });
  it('takes a row subset from its parent when every level is kept, and encodes it afresh when a level is lost', () => {
    encodeCovariates(input.covariates);
    const keepAll = subsetInput(input, Int32Array.from([0, 1, 2, 5, 6, 7, 9, 12, 20, 33]));
    expect(encodeCovariates(keepAll.covariates)).toEqual(reference(keepAll.covariates));
    // Rows 4.. lose 'north' (an indicator): the design has one column fewer, as designMatrix says.
    const noNorth = subsetInput(input, Int32Array.from({ length: n - 4 }, (_, i) => i + 4));
    expect(encodeCovariates(noNorth.covariates)).toEqual(reference(noNorth.covariates));
    expect(encodeCovariates(noNorth.covariates).names).toEqual(['age', 'roleops', 'rolesales', 'regionwest']);
    // Rows without 'east' (the reference level): the reference changes.
    const rows = Int32Array.from(Array.from({ length: n }, (_, i) => i).filter((i) => i < 4 || i % 2 === 0));
    const noEast = subsetInput(input, rows);
    expect(encodeCovariates(noEast.covariates)).toEqual(reference(noEast.covariates));
    expect(encodeCovariates(noEast.covariates).names).toEqual(['age', 'roleops', 'rolesales', 'regionwest']);
  });
  it('adds the intercept first when asked, as designMatrix does by default', () => {
    const withIntercept = encodeCovariates(input.covariates, { intercept: true });
    expect(withIntercept).toEqual(designMatrix(input.covariates));
    expect(withIntercept.names.slice(0, 2)).toEqual(['(Intercept)', 'age']);
  });
  it('writes the covariates after leading columns in one matrix, as bindColumns would place them', () => {
    const treat = columnDesign('treat', input.treat);
    expect(bindCovariates([treat], input.covariates)).toEqual(bindColumns(treat, reference(input.covariates)));
  });
  it('gives a text column as its levels and each row’s indicator (−1: the reference level)', () => {
    const coded = covariateCodes(input.covariates);
    const role = coded[1] as { levels: string[]; codes: Int32Array };
    expect(role.levels).toEqual(['eng', 'ops', 'sales']);
    const X = reference(input.covariates);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 2; j++) expect(X.x[(1 + j) * n + i]).toBe(role.codes[i] === j ? 1 : 0);
    }
    expect(coded[0]).toEqual({ name: 'age', values: input.covariates[0].values });
    expect(() => covariateCodes([{ name: 'team', values: ['a', 'a', 'a'] }])).toThrow('designMatrix: text column `team` has a single level ("a")');
  });
  it('still names a missing value like designMatrix', () => {
    const role = ['eng', null, 'ops', 'ops'];
    expect(() => encodeCovariates([{ name: 'role', values: role }])).toThrow(/column `role` has 1 missing/);
    expect(() => encodeCovariates([{ name: 'team', values: ['a', 'a', 'a'] }])).toThrow('designMatrix: text column `team` has a single level ("a")');
  });
});
