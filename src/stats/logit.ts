import { EstimationError } from '../core/errors';
import type { Design } from './design';
import { choleskyInverse, choleskyScaled, choleskySolve, crossprodVector, designStructure, linearPredictor, weightedGram } from './linalg';

/** A logistic regression fit. */
export interface LogitFit {
  coef: Float64Array;
  names: string[];
  /** Fitted probabilities. */
  fitted: Float64Array;
  /** Linear predictor Xβ (the logit of `fitted`). */
  linear: Float64Array;
  /** Model-based variance (inverse Fisher information), p×p row-major. */
  vcov: Float64Array;
  se: Float64Array;
  logLik: number;
  deviance: number;
  iterations: number;
  converged: boolean;
  n: number;
  p: number;
  /** Rows whose fitted probability is numerically 0 or 1 (a sign of quasi-separation). */
  nExtreme: number;
}

const EXTREME = 1e-10;

function sigmoid(eta: number): number {
  return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
}

/**
 * Finds a covariate that (quasi-)separates the outcome on its own: every unit
 * with y = 1 on one side of a threshold and every unit with y = 0 on the
 * other (ties allowed). Returns its index or -1.
 *
 * @example
 * separatingColumn(X, y); // => 3 when X.names[3] splits treated from controls
 */
export function separatingColumn(X: Design, y: Float64Array, weights?: Float64Array): number {
  const { n, p } = X;
  for (let j = 0; j < p; j++) {
    if (X.names[j] === '(Intercept)') continue;
    let min1 = Infinity, max1 = -Infinity, min0 = Infinity, max0 = -Infinity;
    const off = j * n;
    for (let i = 0; i < n; i++) {
      if (weights && weights[i] === 0) continue;
      const v = X.x[off + i];
      if (y[i] === 1) {
        if (v < min1) min1 = v;
        if (v > max1) max1 = v;
      } else {
        if (v < min0) min0 = v;
        if (v > max0) max0 = v;
      }
    }
    if (min0 === max0 && min1 === max1 && min0 === min1) continue; // constant: not separating
    if (max0 <= min1 || max1 <= min0) return j;
  }
  return -1;
}

/**
 * Logistic regression by Newton–Raphson (= IRLS) on the scaled information
 * matrix, with step halving when the deviance rises. Converges when the
 * relative change in deviance is below `tol` (R's glm uses 1e-8; the default
 * here is tighter). Perfect or quasi-separation is an EstimationError naming
 * the covariate when one covariate alone separates the outcome.
 *
 * With `lazyInformation`, `vcov` and `se` are computed on first read rather
 * than at the fit: one pass of XᵀWX over the rows saved for callers that only
 * need the fitted probabilities. `X` must then stay unchanged until they are
 * read, and a singular final information matrix throws on that read.
 *
 * @example
 * const fit = fitLogit(designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3, 4, 5, 6]) }]),
 *                      Float64Array.from([0, 0, 1, 0, 1, 1]));
 * fit.coef; // => Float64Array [-4.34…, 1.24…]
 */
export function fitLogit(
  X: Design,
  y: Float64Array,
  opts: { weights?: Float64Array; maxIter?: number; tol?: number; lazyInformation?: boolean } = {},
): LogitFit {
  const { n, p } = X;
  const w = opts.weights;
  const maxIter = opts.maxIter ?? 50;
  const tol = opts.tol ?? 1e-10;
  if (!(y instanceof Float64Array) || y.length !== n) throw new RangeError(`fitLogit: \`y\` must be a Float64Array with ${n} rows`);
  checkOutcome(y);
  if (w) {
    if (w.length !== n) throw new RangeError(`fitLogit: \`weights\` has ${w.length} rows, the design has ${n}`);
    checkWeights(w);
  }
  const { sw, swy } = weightTotals(y, w);
  if (swy === 0 || swy === sw) throw new EstimationError(`fitLogit: the outcome is ${swy === 0 ? 'always 0' : 'always 1'}; there is nothing to model`);

  const beta = new Float64Array(p);
  const icpt = X.names.indexOf('(Intercept)');
  if (icpt >= 0) beta[icpt] = Math.log(swy / (sw - swy));
  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  const omega = new Float64Array(n);
  const resid = new Float64Array(n);
  const scratch = new Float64Array(n);
  // Found once for every iteration: the factor indicators' rows do not change.
  const structure = designStructure(X);
  // One pass per trial: probabilities, deviance, and the IRLS weights and
  // working residuals the next step needs. The last trial evaluated is always
  // the one kept, so its weights are the ones the next step (or the final
  // information matrix) uses.
  const evaluate = (b: Float64Array): number => {
    linearPredictor(X, b, eta, structure);
    return irlsRows(eta, y, w, mu, omega, resid);
  };
  let dev = evaluate(beta);
  let converged = false;
  let iterations = 0;
  const trial = new Float64Array(p);
  for (iterations = 1; iterations <= maxIter; iterations++) {
    const info = weightedGram(X, omega, scratch, structure);
    const grad = crossprodVector(X, resid, undefined, structure);
    const chol = choleskyScaled(info, p);
    if ('dependent' in chol) {
      const sep = separatingColumn(X, y, w);
      if (sep >= 0) throw separationError(X, sep);
      throw new EstimationError(`fitLogit: singular information matrix at column \`${X.names[chol.dependent]}\`: it is constant or a combination of the columns before it`);
    }
    const step = choleskySolve(chol, grad, p);
    let scale = 1;
    let newDev = NaN;
    for (let half = 0; half < 30; half++) {
      for (let j = 0; j < p; j++) trial[j] = beta[j] + scale * step[j];
      newDev = evaluate(trial);
      if (Number.isFinite(newDev) && newDev <= dev * (1 + 1e-12) + 1e-12) break;
      scale /= 2;
    }
    beta.set(trial);
    const change = Math.abs(newDev - dev) / (Math.abs(newDev) + 0.1);
    dev = newDev;
    if (change < tol) {
      converged = true;
      break;
    }
  }
  iterations = Math.min(iterations, maxIter);
  const nExtreme = countExtreme(mu, w);
  if (nExtreme > 0 || !converged) {
    const sep = separatingColumn(X, y, w);
    if (sep >= 0) throw separationError(X, sep);
    if (!converged) {
      throw new EstimationError(
        `fitLogit: did not converge in ${maxIter} iterations` +
          (nExtreme > 0 ? ` and ${nExtreme} fitted probabilities are numerically 0 or 1: the covariates together separate the outcome (quasi-separation); drop or coarsen some` : ''),
      );
    }
  }
  // Information at the final coefficients (their IRLS weights are in omega).
  const information = (): { vcov: Float64Array; se: Float64Array } => {
    const chol = choleskyScaled(weightedGram(X, omega, scratch, structure), p);
    if ('dependent' in chol) throw new EstimationError(`fitLogit: singular information matrix at column \`${X.names[chol.dependent]}\``);
    const vcov = choleskyInverse(chol, p);
    const se = new Float64Array(p);
    for (let j = 0; j < p; j++) se[j] = Math.sqrt(vcov[j * p + j]);
    return { vcov, se };
  };
  const eager = opts.lazyInformation ? null : information();
  const logLik = logLikelihood(mu, y, w);
  const fit: LogitFit = {
    coef: beta,
    names: X.names.slice(),
    fitted: mu,
    linear: eta,
    vcov: eager ? eager.vcov : new Float64Array(0),
    se: eager ? eager.se : new Float64Array(0),
    logLik,
    deviance: dev,
    iterations,
    converged,
    n,
    p,
    nExtreme,
  };
  if (eager) return fit;
  // Found on first read, then stored as plain values so the design and the
  // row buffers the getter holds can be collected.
  const settle = (): LogitFit => {
    const { vcov, se } = information();
    Object.defineProperties(fit, {
      vcov: { value: vcov, writable: true, enumerable: true, configurable: true },
      se: { value: se, writable: true, enumerable: true, configurable: true },
    });
    return fit;
  };
  Object.defineProperties(fit, {
    vcov: { get: () => settle().vcov, enumerable: true, configurable: true },
    se: { get: () => settle().se, enumerable: true, configurable: true },
  });
  return fit;
}

// y in [0, 1] on every row, or a RangeError naming the first row that is not.
function checkOutcome(y: Float64Array): void {
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] <= 1)) throw new RangeError(`fitLogit: \`y\` must be 0/1 (or a share in [0, 1]), got ${y[i]} at row index ${i}`);
  }
}

// Every weight finite and ≥ 0, or a RangeError naming the first that is not.
function checkWeights(w: Float64Array): void {
  for (let i = 0; i < w.length; i++) if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new RangeError(`fitLogit: \`weights\` must be finite and >= 0, got ${w[i]} at row index ${i}`);
}

// Σw and Σw·y (w = 1 without weights), in row order.
function weightTotals(y: Float64Array, w: Float64Array | undefined): { sw: number; swy: number } {
  let sw = 0, swy = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i] : 1;
    sw += wi;
    swy += wi * y[i];
  }
  return { sw, swy };
}

// From the linear predictor eta: the probabilities mu, the IRLS weights omega = w·mu(1 − mu) and the
// working residuals resid = w(y − mu); returns the deviance (rows of weight 0 add nothing).
function irlsRows(eta: Float64Array, y: Float64Array, w: Float64Array | undefined, mu: Float64Array, omega: Float64Array, resid: Float64Array): number {
  let devSum = 0;
  for (let i = 0; i < eta.length; i++) {
    const m = sigmoid(eta[i]);
    mu[i] = m;
    const wi = w ? w[i] : 1;
    omega[i] = wi * m * (1 - m);
    const yi = y[i];
    resid[i] = wi * (yi - m);
    if (wi === 0) continue;
    if (yi === 1) devSum -= 2 * wi * Math.log(m);
    else if (yi === 0) devSum -= 2 * wi * Math.log(1 - m);
    else devSum -= 2 * wi * (yi * Math.log(m / yi) + (1 - yi) * Math.log((1 - m) / (1 - yi)));
  }
  return devSum;
}

// Rows of positive weight whose probability is within EXTREME of 0 or 1.
function countExtreme(mu: Float64Array, w: Float64Array | undefined): number {
  let nExtreme = 0;
  for (let i = 0; i < mu.length; i++) if ((w ? w[i] > 0 : true) && (mu[i] < EXTREME || mu[i] > 1 - EXTREME)) nExtreme++;
  return nExtreme;
}

// The log-likelihood Σ w(y·log mu + (1 − y)·log(1 − mu)) over the rows of nonzero weight, in row order.
function logLikelihood(mu: Float64Array, y: Float64Array, w: Float64Array | undefined): number {
  let logLik = 0;
  for (let i = 0; i < mu.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi === 0) continue;
    if (y[i] > 0) logLik += wi * y[i] * Math.log(mu[i]);
    if (y[i] < 1) logLik += wi * (1 - y[i]) * Math.log(1 - mu[i]);
  }
  return logLik;
}

function separationError(X: Design, j: number): EstimationError {
  return new EstimationError(
    `fitLogit: perfect or quasi-separation on covariate \`${X.names[j]}\`: on its own it splits the 1s from the 0s, ` +
      'so its coefficient runs off to infinity and the fitted probabilities to 0 or 1; drop it, coarsen it, or match exactly on it',
  );
}
