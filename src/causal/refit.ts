import type { Estimate } from '../core/estimate';
import { choleskyScaled, choleskySolve } from '../stats/linalg';
import { clusterCodes } from '../stats/vcov';
import { covariateCodes, type CodedCovariate } from './covariate-encoding';
import { checkCrossSectionInput, chooseVcov, makeEstimate, vcovLabel, type CrossSectionInput } from './cross-section-input';

/**
 * Cheap refits of one estimator's point estimate, for the refuters that only
 * read the estimate (random common cause, data subset). Either method may
 * answer undefined — "cannot tell quickly" — and the caller then refits the
 * ordinary way, so the two paths agree on every failure (a lost level, a
 * group with no rows, a singular design).
 */
export interface FastRefit {
  /** The estimate on the rows with `keep[i] === 1` only. */
  onRows(keep: Uint8Array): number | undefined;
  /** The estimate with one more numeric covariate appended after the others. */
  withCovariate(values: Float64Array): number | undefined;
  /** The whole estimate (SE, interval) for another outcome, on the rows with `keep[i] === 1` (all rows when null). */
  withOutcome?(y: Float64Array, keep: Uint8Array | null): Estimate | undefined;
}

/** Regression adjustment's treatment coefficient on all rows, and its cheap refits. */
export interface RegressionRefit extends FastRefit {
  /** The treatment coefficient on every row. */
  estimate: number;
  withOutcome(y: Float64Array, keep: Uint8Array | null): Estimate | undefined;
}

// The squared share of a column's (weighted) norm left once the columns before it are
// projected out. Below this the normal equations lose too many digits to be trusted,
// and the QR fit of the ordinary path (which only refuses shares under 1e-14) decides.
const PIVOT_SHARE = 1e-8;
// A column keeping less than this share of its weighted sum of squares on the kept rows
// is left to the ordinary path.
const KEPT_SHARE = 1e-6;

// The design [1, treat, covariates…] row by row, non-zero entries only (compressed sparse rows):
// indicator columns are mostly zero, so a row holds far fewer than p entries and every pass over
// it (Gram matrices, residuals, cross-products) reads a fraction of the dense design. A text
// covariate comes as its rows' indicator codes, so its indicator columns are never built.
function sparseRows(n: number, treat: Float64Array, covariates: CodedCovariate[]): { rowStart: Int32Array; nzCol: Int32Array; nzVal: Float64Array } {
  // The blocks after the intercept, in column order: numbers (treat first) or a text column's codes, each with its first column.
  const nb = covariates.length + 1;
  const isText = new Uint8Array(nb);
  const values: Float64Array[] = [treat];
  const codes: Int32Array[] = [EMPTY_CODES];
  const firstColumn = new Int32Array(nb);
  firstColumn[0] = 1;
  let column = 2;
  covariates.forEach((c, k) => {
    firstColumn[k + 1] = column;
    if ('codes' in c) {
      isText[k + 1] = 1;
      values.push(EMPTY_VALUES);
      codes.push(c.codes);
      column += c.levels.length - 1;
    } else {
      values.push(c.values);
      codes.push(EMPTY_CODES);
      column++;
    }
  });
  // Count, then place, each pass row by row: a row's entries are written next to each other, in column
  // order. Every row has the intercept, column 0; a row has at most one of a text block's columns.
  const rowStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let k = 1;
    for (let b = 0; b < nb; b++) k += isText[b] === 1 ? +(codes[b][i] >= 0) : +(values[b][i] !== 0);
    rowStart[i + 1] = rowStart[i] + k;
  }
  const nzCol = new Int32Array(rowStart[n]);
  const nzVal = new Float64Array(rowStart[n]);
  for (let i = 0; i < n; i++) {
    let at = rowStart[i];
    nzVal[at++] = 1;
    for (let b = 0; b < nb; b++) {
      if (isText[b] === 1) {
        const c = codes[b][i];
        if (c < 0) continue;
        nzCol[at] = firstColumn[b] + c;
        nzVal[at++] = 1;
      } else {
        const v = values[b][i];
        if (v === 0) continue;
        nzCol[at] = firstColumn[b];
        nzVal[at++] = v;
      }
    }
  }
  return { rowStart, nzCol, nzVal };
}

const EMPTY_CODES = new Int32Array(0);
const EMPTY_VALUES = new Float64Array(0);

/**
 * Regression adjustment (intercept, treatment, covariates; weighted; as
 * `regressionAdjustment` without interactions) set up once so that its
 * treatment coefficient can be refitted cheaply: on a subset of rows (the
 * Gram matrix XᵀWX minus the left-out rows' share, then a Cholesky solve)
 * or with one more covariate (Frisch–Waugh: only the new column's
 * projection on the design is new), and the whole estimate with its
 * sandwich SE (HC1, or cluster-robust with vcovCL's factor) for another
 * outcome on a subset of rows (a placebo). The covariates are encoded once and
 * rows are never copied. The full fit is polished by iterative refinement
 * on its own residuals, so it agrees with the QR fit to ~1e-12, and an
 * added column's shift is computed from those residuals directly rather
 * than as a difference of two large coefficients. `anchor`, the QR
 * estimate of this same regression when the caller has it, replaces the
 * full-data coefficient when the two agree to 1e-8 (they differ only by
 * rounding), so that a small shift from an added column is measured from
 * the very number the caller compares it with. Null when the input
 * itself would not fit (missing values, a group without rows, a nearly
 * singular design): then refit the ordinary way.
 *
 * @example
 * const fast = regressionRefit(input, { anchor: regressionAdjustment(input).estimate });
 * fast?.estimate;                          // => regressionAdjustment(input).estimate (to 1e-10)
 * fast?.onRows(keep);                      // => regressionAdjustment(subsetInput(input, rowsOf(keep))).estimate
 * fast?.withCovariate(noise);              // => the estimate with `noise` as one more covariate
 * fast?.withOutcome(yBefore, keep)?.ci;    // => regressionAdjustment on those rows with y = yBefore: its interval
 */
export function regressionRefit(input: CrossSectionInput, opts: { anchor?: number } = {}): RegressionRefit | null {
  let data: CrossSectionInput;
  try {
    const checked = checkCrossSectionInput('regressionRefit', input);
    if (checked.dropped > 0) return null;
    data = checked.input;
  } catch {
    return null;
  }
  const n = data.y.length;
  const y = data.y;
  const w = data.weights;
  // The covariates as they enter the design (text columns as level codes), checked as the ordinary path checks them.
  let coded: CodedCovariate[] = [];
  if (data.covariates.length > 0) {
    try {
      coded = covariateCodes(data.covariates);
    } catch {
      return null;
    }
  }
  // Intercept, treatment, then each covariate's columns. Where each text covariate's indicators
  // sit (first column, count): a subset that lacks a level is encoded without it by the ordinary
  // path, and withOutcome follows suit.
  const p = 2 + coded.reduce((s, c) => s + ('codes' in c ? c.levels.length - 1 : 1), 0);
  const blockOf = new Int32Array(p).fill(-1);
  const textBlocks: { start: number; size: number }[] = [];
  let offset = 2;
  for (const cv of coded) {
    const size = 'codes' in cv ? cv.levels.length - 1 : 1;
    if ('codes' in cv) {
      blockOf.fill(textBlocks.length, offset, offset + size);
      textBlocks.push({ start: offset, size });
    }
    offset += size;
  }
  const { rowStart, nzCol, nzVal } = sparseRows(n, data.treat, coded);
  // Adds sign·w_i·x_i x_iᵀ (lower triangle, all choleskyScaled reads) to G and sign·w_i·x_i y_i to b, over the rows with mask[i] === want (all rows without a mask).
  const accumulate = (G: Float64Array, b: Float64Array | null, sign: number, mask: Uint8Array | null, want: number) => {
    for (let i = 0; i < n; i++) {
      if (mask !== null && mask[i] !== want) continue;
      const wi = sign * (w ? w[i] : 1);
      if (wi === 0) continue;
      const yi = y[i];
      const end = rowStart[i + 1];
      for (let a = rowStart[i]; a < end; a++) {
        const va = wi * nzVal[a];
        const col = nzCol[a];
        for (let c = a; c < end; c++) G[nzCol[c] * p + col] += va * nzVal[c];
        if (b !== null) b[col] += va * yi;
      }
    }
  };
  const G = new Float64Array(p * p);
  const b = new Float64Array(p);
  accumulate(G, b, 1, null, 1);
  const factored = choleskyScaled(G, p, PIVOT_SHARE);
  if ('dependent' in factored) return null;
  const full = factored;
  const beta = choleskySolve(full, b, p);
  // Residuals and two refinement steps: the normal equations square the design's
  // condition number, the residual correction recovers the digits QR would keep.
  const e = new Float64Array(n);
  const residuals = () => {
    for (let i = 0; i < n; i++) {
      let r = y[i];
      for (let a = rowStart[i]; a < rowStart[i + 1]; a++) r -= nzVal[a] * beta[nzCol[a]];
      e[i] = r;
    }
  };
  const crossprod = (v: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const wv = (w ? w[i] : 1) * v[i];
      for (let a = rowStart[i]; a < rowStart[i + 1]; a++) out[nzCol[a]] += nzVal[a] * wv;
    }
    return out;
  };
  // Only the full-data estimate and an added column need the polished fit and its
  // residuals (a placebo on other rows or another outcome does not): done on first use.
  let polished: number | undefined;
  const polish = (): number => {
    if (polished !== undefined) return polished;
    const r = new Float64Array(p);
    for (let step = 0; step < 2; step++) {
      residuals();
      const delta = choleskySolve(full, crossprod(e, r), p);
      for (let j = 0; j < p; j++) beta[j] += delta[j];
    }
    residuals();
    const anchor = opts.anchor;
    polished = anchor !== undefined && Math.abs(anchor - beta[1]) <= 1e-8 * Math.abs(beta[1]) ? anchor : beta[1];
    return polished;
  };

  const Gs = new Float64Array(p * p);
  const bs = new Float64Array(p);
  const c = new Float64Array(p);
  // Kept rows by group; undefined when the ordinary fit would refuse them (a group without rows, fewer rows than coefficients).
  const countKept = (keep: Uint8Array | null) => {
    if (keep !== null && keep.length !== n) throw new RangeError(`regressionRefit: \`keep\` has ${keep.length} rows, the input has ${n}`);
    let kept = 0;
    let nTreated = 0;
    let nControl = 0;
    for (let i = 0; i < n; i++) {
      if (keep !== null && keep[i] !== 1) continue;
      kept++;
      if (!((w ? w[i] : 1) > 0)) continue;
      if (data.treat[i] === 1) nTreated++;
      else nControl++;
    }
    return nTreated === 0 || nControl === 0 || nTreated + nControl < p ? undefined : { kept, nTreated, nControl };
  };
  // The kept rows' Gram matrix in Gs (and XᵀWy in bs when `withY`). Whichever side is
  // smaller is summed: the kept rows, or the full matrix minus the left-out rows.
  const keptGram = (keep: Uint8Array, kept: number, withY: boolean) => {
    if (2 * kept >= n) {
      Gs.set(G);
      bs.set(b);
      accumulate(Gs, withY ? bs : null, -1, keep, 0);
    } else {
      Gs.fill(0);
      bs.fill(0);
      accumulate(Gs, withY ? bs : null, 1, keep, 1);
    }
  };
  // The Cholesky factor of the kept rows' Gram A (q×q over the design columns `use`), or
  // undefined when it cannot be trusted: a column (nearly) gone from the kept rows, where
  // "full minus left-out" would leave rounding in place of its share, or a singular design.
  const keptFactor = (A: Float64Array, use: Int32Array) => {
    const q = use.length;
    for (let k = 0; k < q; k++) if (!(A[k * q + k] > KEPT_SHARE * G[use[k] * p + use[k]])) return undefined;
    const f = choleskyScaled(A, q, PIVOT_SHARE);
    return 'dependent' in f ? undefined : f;
  };
  const allColumns = Int32Array.from({ length: p }, (_, j) => j);
  // The columns the ordinary path's design has on the kept rows: a text level no kept row
  // has is left out, and when the reference level is gone the first level left takes its
  // place. Undefined when a text covariate keeps a single level (the ordinary path refuses it).
  const presentColumns = (keep: Uint8Array): Int32Array | undefined => {
    const present = new Uint8Array(p);
    const reference = new Uint8Array(textBlocks.length);
    const seen = new Uint8Array(textBlocks.length);
    for (let i = 0; i < n; i++) {
      if (keep[i] !== 1) continue;
      seen.fill(0);
      for (let a = rowStart[i]; a < rowStart[i + 1]; a++) {
        const block = blockOf[nzCol[a]];
        if (block < 0) continue;
        present[nzCol[a]] = 1;
        seen[block] = 1;
      }
      for (let k = 0; k < seen.length; k++) if (seen[k] === 0) reference[k] = 1;
    }
    const use: number[] = [];
    let j = 0;
    for (let k = 0; k < textBlocks.length; k++) {
      const { start, size } = textBlocks[k];
      while (j < start) use.push(j++);
      let levels = reference[k];
      for (let l = start; l < start + size; l++) levels += present[l];
      if (levels < 2) return undefined;
      let takesReference = reference[k] === 0;
      for (let l = start; l < start + size; l++) {
        if (present[l] === 0) continue;
        if (takesReference) takesReference = false;
        else use.push(l);
      }
      j = start + size;
    }
    while (j < p) use.push(j++);
    return Int32Array.from(use);
  };
  const codes = data.cluster ? clusterCodes(data.cluster) : null;
  const vcov = vcovLabel(chooseVcov(data.cluster, undefined));
  return {
    get estimate(): number {
      return polish();
    },
    onRows(keep: Uint8Array): number | undefined {
      const k = countKept(keep);
      if (!k) return undefined;
      keptGram(keep, k.kept, true);
      const f = keptFactor(Gs, allColumns);
      return f ? choleskySolve(f, bs, p)[1] : undefined;
    },
    withCovariate(z: Float64Array): number | undefined {
      if (z.length !== n) throw new RangeError(`regressionRefit: the added covariate has ${z.length} rows, the input has ${n}`);
      for (let i = 0; i < n; i++) if (!Number.isFinite(z[i])) return undefined;
      // z on the design: u = G⁻¹XᵀWz; its residual z̃ = z − Xu has z̃ᵀWz̃ = zᵀWz − (XᵀWz)ᵀu and z̃ᵀWy = zᵀWe.
      const estimate = polish();
      crossprod(z, c);
      const u = choleskySolve(full, c, p);
      let zz = 0;
      let ze = 0;
      for (let i = 0; i < n; i++) {
        const wz = (w ? w[i] : 1) * z[i];
        zz += wz * z[i];
        ze += wz * e[i];
      }
      let proj = 0;
      for (let j = 0; j < p; j++) proj += c[j] * u[j];
      const left = zz - proj;
      if (!(left > PIVOT_SHARE * zz)) return undefined;
      return estimate - u[1] * (ze / left);
    },
    withOutcome(yNew: Float64Array, keep: Uint8Array | null): Estimate | undefined {
      if (yNew.length !== n) throw new RangeError(`regressionRefit: the outcome has ${yNew.length} rows, the input has ${n}`);
      const k = countKept(keep);
      if (!k) return undefined;
      for (let i = 0; i < n; i++) if ((keep === null || keep[i] === 1) && !Number.isFinite(yNew[i])) return undefined;
      let use: Int32Array = allColumns;
      let f = full;
      if (keep !== null) {
        const present = presentColumns(keep);
        if (!present) return undefined;
        use = present;
        keptGram(keep, k.kept, false);
        const q = use.length;
        const A = q === p ? Gs : new Float64Array(q * q);
        if (q < p) for (let a = 0; a < q; a++) for (let c2 = 0; c2 <= a; c2++) A[a * q + c2] = Gs[use[a] * p + use[c2]];
        const factored = keptFactor(A, use);
        if (!factored) return undefined;
        f = factored;
      }
      const q = use.length;
      const kept = (i: number) => keep === null || keep[i] === 1;
      // Design column → its place among the q fitted ones (−1: not fitted on these rows).
      const place = new Int32Array(p).fill(-1);
      use.forEach((j, k) => (place[j] = k));
      const by = new Float64Array(q);
      for (let i = 0; i < n; i++) {
        if (!kept(i)) continue;
        const wy = (w ? w[i] : 1) * yNew[i];
        for (let a = rowStart[i]; a < rowStart[i + 1]; a++) if (place[nzCol[a]] >= 0) by[place[nzCol[a]]] += nzVal[a] * wy;
      }
      const coef = choleskySolve(f, by, q);
      // The treatment row of (XᵀWX)⁻¹, t: its sandwich variance is tᵀ·meat·t, so only
      // each row's (or cluster's) score along X·t is needed, never the p×p meat.
      const unit = new Float64Array(q);
      unit[1] = 1;
      const t = choleskySolve(f, unit, q);
      const res = new Float64Array(n);
      const along = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (!kept(i)) continue;
        let r = yNew[i];
        let x = 0;
        for (let a = rowStart[i]; a < rowStart[i + 1]; a++) {
          const k2 = place[nzCol[a]];
          if (k2 < 0) continue;
          r -= nzVal[a] * coef[k2];
          x += nzVal[a] * t[k2];
        }
        res[i] = r;
        along[i] = x;
      }
      let sumW = 0;
      let sumWy = 0;
      let rss = 0;
      for (let i = 0; i < n; i++) {
        if (!kept(i)) continue;
        const wi = w ? w[i] : 1;
        sumW += wi;
        sumWy += wi * yNew[i];
        rss += wi * res[i] * res[i];
      }
      let tss = 0;
      for (let i = 0; i < n; i++) if (kept(i)) tss += (w ? w[i] : 1) * (yNew[i] - sumWy / sumW) ** 2;
      let meat = 0;
      let scale: number;
      if (codes) {
        // vcovCL's factor G/(G−1)·(n−1)/(n−p), G counting the clusters among the kept rows.
        const score = new Float64Array(codes.groups);
        const present = new Uint8Array(codes.groups);
        let groups = 0;
        for (let i = 0; i < n; i++) {
          if (!kept(i)) continue;
          const g = codes.codes[i];
          if (present[g] === 0) {
            present[g] = 1;
            groups++;
          }
          score[g] += (w ? w[i] : 1) * res[i] * along[i];
        }
        if (groups < 2) return undefined;
        for (let g = 0; g < codes.groups; g++) meat += score[g] * score[g];
        scale = (groups / (groups - 1)) * ((k.kept - 1) / (k.kept - q));
      } else {
        for (let i = 0; i < n; i++) if (kept(i)) meat += ((w ? w[i] : 1) * res[i] * along[i]) ** 2;
        scale = k.kept / (k.kept - q);
      }
      return makeEstimate('regression_adjustment', coef[1], Math.sqrt(scale * meat), k.nTreated + k.nControl - q, k.nTreated, k.nControl, {
        vcov,
        interactions: false,
        r2: tss > 0 ? 1 - rss / tss : NaN,
        coefficients: q,
        droppedMissing: 0,
        warnings: [],
      });
    },
  };
}
