"""statsmodels reference for bench/did.bench.ts: reads the panel the bench wrote
(raw int32/float64 files) and times (1) TWFE by two-way demeaning (balanced
panel: y - unit mean - period mean + grand mean) with statsmodels OLS and
errors clustered by unit, reporting the lm-with-dummies small-sample factor
as TrainLift does, and (2) the group-time ATT(g, t) loop with not-yet-treated
controls in pandas/numpy (point estimates only), for a rough speed yardstick.
Run: /usr/bin/python3 bench/did_reference.py DIR"""
import sys, time
import numpy as np, pandas as pd, statsmodels.api as sm

d = sys.argv[1]
unit = np.fromfile(f'{d}/unit.i32', dtype=np.int32)
tm = np.fromfile(f'{d}/time.i32', dtype=np.int32)
grp = np.fromfile(f'{d}/group.i32', dtype=np.int32)
y = np.fromfile(f'{d}/y.f64', dtype=np.float64)
n = len(y)

t0 = time.perf_counter()
D = ((grp > 0) & (tm >= grp)).astype(float)
df = pd.DataFrame({'u': unit, 't': tm, 'y': y, 'D': D})
def demean(c):
    return df[c] - df.groupby('u')[c].transform('mean') - df.groupby('t')[c].transform('mean') + df[c].mean()
yd, Dd = demean('y').values, demean('D').values
fit = sm.OLS(yd, Dd).fit(cov_type='cluster', cov_kwds={'groups': unit})
G = len(np.unique(unit)); T = len(np.unique(tm)); K = 1 + G + T - 1
# statsmodels' cluster factor counts p = 1 here; rescale to the dummies factor (N-1)/(N-K) as lm + vcovCL would give.
se = fit.bse[0] * np.sqrt((n - 1) / (n - K))
t1 = time.perf_counter()
print(f'{"statsmodels TWFE (demeaning + cluster SE)":<48} {t1 - t0:8.3f} s')
print(f'  TWFE coef {fit.params[0]:.10f} se {se:.10f}')

t0 = time.perf_counter()
Y = np.full((G, T), np.nan); Y[unit, tm - 1] = y
g_of = np.zeros(G, dtype=np.int64); g_of[unit] = grp
cells = 0
for g in np.unique(g_of[g_of > 0]):
    for t in range(2, T + 1):
        base = t - 1 if t < g else g - 1
        dy = Y[:, t - 1] - Y[:, base - 1]
        tr = g_of == g
        co = (g_of == 0) | (g_of > max(t, base))
        if co.sum() == 0: continue
        _ = dy[tr].mean() - dy[co].mean(); cells += 1
t1 = time.perf_counter()
print(f'{"numpy ATT(g,t) loop, point estimates only":<48} {t1 - t0:8.3f} s   ({cells} cells)')
