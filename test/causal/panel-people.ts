import type { PanelInput } from '../../src/causal/panel-input';

/** One unit of a made-up panel: its cohort (0 never treated), hire period, outcome per period 1..T (NaN = not observed). */
export interface PanelPerson {
  group: number;
  hire: number;
  y: number[];
  /** A unit weight, used with `weighted`. */
  weight?: number;
  /** A time-invariant covariate `x`, given to every row when each person has one. */
  x?: number;
}

/**
 * The long panel of some people (unit = their index, time 1..T, one row per observed period), with each row's
 * hire period; only the people `keep` takes, their unit numbers unchanged.
 */
export function peopleInput<P extends PanelPerson>(people: P[], opts: { keep?: (p: P) => boolean; weighted?: boolean } = {}): PanelInput {
  const unit: number[] = [];
  const time: number[] = [];
  const y: number[] = [];
  const group: number[] = [];
  const hire: number[] = [];
  const weights: number[] = [];
  const x: number[] = [];
  people.forEach((p, i) => {
    if (opts.keep && !opts.keep(p)) return;
    p.y.forEach((v, k) => {
      if (Number.isNaN(v)) return;
      unit.push(i);
      time.push(k + 1);
      y.push(v);
      group.push(p.group);
      hire.push(p.hire);
      weights.push(p.weight ?? 1);
      x.push(p.x ?? NaN);
    });
  });
  return {
    unit: Int32Array.from(unit),
    time: Int32Array.from(time),
    y: Float64Array.from(y),
    group: Int32Array.from(group),
    hire: Int32Array.from(hire),
    ...(opts.weighted ? { weights: Float64Array.from(weights) } : {}),
    ...(people.every((p) => p.x !== undefined) ? { covariates: [{ name: 'x', values: Float64Array.from(x) }] } : {}),
  };
}
