"""statsmodels reference for bench/stats.bench.ts: reads the raw float64 files the bench
wrote (column-major design with intercept, outcome, 0/1 treatment) and times OLS with HC1
errors and a logistic regression on the same rows, excluding file reading.
Run: /usr/bin/python3 bench/stats_reference.py DIR N P"""
import sys, time
import numpy as np, statsmodels.api as sm

d, n, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = np.fromfile(f'{d}/x.f64', dtype=np.float64).reshape(p, n).T.copy()  # column-major on disk
y = np.fromfile(f'{d}/y.f64', dtype=np.float64)
D = np.fromfile(f'{d}/d.f64', dtype=np.float64)

t0 = time.perf_counter()
ols = sm.OLS(y, X).fit(cov_type='HC1')
t1 = time.perf_counter()
print(f'{"statsmodels OLS + HC1":<48} {t1 - t0:8.3f} s')
t0 = time.perf_counter()
logit = sm.Logit(D, X).fit(disp=0)
t1 = time.perf_counter()
print(f'{"statsmodels Logit":<48} {t1 - t0:8.3f} s')
print(f'  OLS x20 coef {ols.params[20]:.12g} se {ols.bse[20]:.12g}; logit x3 coef {logit.params[3]:.12g}')
