// TrainLift's public API: grouped re-exports only. Each group lists its own
// modules; see STYLE.md for the folder layout.

// core
export * from './core/estimate';
export * from './core/study-result';
export * from './core/errors';
export * from './core/resolve';

// data: loading, validation, cleaning, panel, synthetic company
export * from './data/flat-table';
export * from './data/schema';
export * from './data/load';
export * from './data/panel';
export * from './data/panel-table';
export * from './data/stack';
export * from './data/synth';
export * from './data/validate';
export * from './data/clean';

// stats: matrix kernels, ols, logit, vcov, distributions, bootstrap, rng
export * from './stats/rng';
export * from './stats/dists';
export * from './stats/design';
export * from './stats/ols';
export * from './stats/vcov';
export * from './stats/linalg';
export * from './stats/logit';
export * from './stats/bootstrap';

// causal: cross-sectional estimators (naive, regression, propensity, matching, weighting, balance)
export * from './causal/cross-section-input';
export * from './causal/naive';
export * from './causal/regression';
export * from './causal/propensity';
export * from './causal/matching';
export * from './causal/weighting';
export * from './causal/aipw';
export * from './causal/balance';
export * from './causal/cross-section';
export * from './plot/forest';
export * from './plot/balance';
export * from './plot/overlap';

// causal: panel estimators (before-after, did, twfe, bacon, staggered, event study)
export * from './causal/panel-input';
export * from './causal/before-after';
export * from './causal/did2x2';
export * from './causal/twfe';
export * from './causal/bacon';
export * from './causal/staggered';
export * from './causal/event-study';
export * from './causal/panel-verdicts';
export * from './stats/fixed-effects';
export * from './plot/event-study';
export * from './plot/bacon';

// attribution: journeys, rules, markov, shapley, causal credit
export * from './attribution/paths';
export * from './attribution/result';
export * from './attribution/rules';
export * from './attribution/markov';
export * from './attribution/shapley';
export * from './attribution/attribute';
export * from './attribution/journeys';
export * from './attribution/causal-credit';

// compare, refutation, roi
export * from './compare/compare-models';
export * from './compare/simulation';
export * from './compare/simulation-task';
export * from './compare/replication';
export * from './causal/refute';
export * from './causal/placebo';
export * from './causal/refit';
export * from './causal/sensitivity';
export * from './roi/benefits';
export * from './roi/costs';
export * from './roi/roi';
export * from './roi/kirkpatrick';
export * from './plot/roi';
export * from './plot/comparison';

// study: the whole pipeline on a study folder
export * from './study/estimate-course';
export * from './study/verdict';
export * from './study/robustness';
export * from './study/attribution';
export { studyCharts } from './study/charts';
export * from './study/summary';
export * from './study/run-study';

// plot and report
export * from './plot/display';
export * from './plot/attribution';
export * from './plot/data-charts';
export * from './report/render-report';
