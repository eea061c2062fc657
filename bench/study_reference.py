"""Reference pipeline for bench/study.bench.ts: pandas + statsmodels on the same study folder.

Reads employees.csv, training.csv, outcomes.csv and context.csv, builds CONTRACT §4's stacked
event-window data for each course asked for (cohort g = month of first completion; baseline
g-6..g-1; post g+1..g+12; controls not yet completed by g+12, hired before the baseline, with
outcomes in both periods; y_pre and y_post the means of the observed months; weight = observed
post months), with the covariates TrainLift's stack uses (role, region, level, tenure, y_pre,
y_recent (the mean of g-3..g-1), the
employee's other numeric columns, prior completion of each other course, context factors averaged
over the baseline and over the window months, cohort), then fits
  - regression adjustment: WLS of y_post on treated + covariates, SE clustered by employee (CR1);
  - a weighted logit propensity model and the IPW ATT (controls weighted e/(1-e)).
Timings go to stderr as they happen; one JSON object on stdout at the end.

Usage: /usr/bin/python3 bench/study_reference.py DIR METRIC C01,C02,...
Needs Debian's python3-pandas and python3-statsmodels (not pyenv's python3).
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

WINDOW = (1, 12)
BASELINE = 6
RECENT = 3  # y_recent: the last quarter before g
NEVER, BEFORE_DATA = -1, -2


def month_index(s):
    """'YYYY-MM' or 'YYYY-MM-DD' strings -> year * 12 + month - 1 (NaN stays NaN)."""
    s = s.astype("string")
    return s.str.slice(0, 4).astype("float") * 12 + s.str.slice(5, 7).astype("float") - 1


timings = {}


def timed(label, fn):
    t0 = time.perf_counter()
    c0 = time.process_time()
    value = fn()
    timings[label] = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}
    print(f"  py {label:<44} {timings[label]['wall']:8.3f} s wall {timings[label]['cpu']:8.3f} s CPU", file=sys.stderr)
    return value


def load(folder, metric):
    emp = pd.read_csv(f"{folder}/employees.csv", dtype={"employee_id": str, "role": str, "region": str})
    tr = pd.read_csv(f"{folder}/training.csv", dtype={"employee_id": str, "course_id": str, "status": str, "completed_on": str})
    out = pd.read_csv(f"{folder}/outcomes.csv", usecols=["employee_id", "period", metric], dtype={"employee_id": str, "period": str})
    ctx = pd.read_csv(f"{folder}/context.csv", dtype={"period": str, "region": str})
    return emp, tr, out, ctx


def build_panel(emp, tr, out, ctx, metric):
    """Dense employee x month grids of the metric and the context factors (NaN where not observed)."""
    out_m = month_index(out["period"]).to_numpy()
    first = int(np.nanmin(out_m))
    T = int(np.nanmax(out_m)) - first + 1
    emp = emp.reset_index(drop=True)
    code = pd.Series(np.arange(len(emp)), index=emp["employee_id"])
    hire = (month_index(emp["hire_date"]) - first).to_numpy()
    term = (month_index(emp["termination_date"]) - first).fillna(np.inf).to_numpy()
    e = code.reindex(out["employee_id"]).to_numpy()
    p = (out_m - first).astype(int)
    keep = ~np.isnan(e)
    e, p, yv = e[keep].astype(int), p[keep], out[metric].to_numpy()[keep]
    inside = (p >= hire[e]) & (p <= term[e])  # months outside employment do not count
    e, p, yv = e[inside], p[inside], yv[inside]
    y = np.full((len(emp), T), np.nan)
    y[e, p] = yv
    observed = np.zeros((len(emp), T), dtype=bool)
    observed[e, p] = True
    context = {}
    ctx_m = (month_index(ctx["period"]) - first).to_numpy()
    regions = emp["region"].to_numpy()
    for name in [c for c in ctx.columns if c not in ("period", "region")]:
        table = pd.Series(ctx[name].to_numpy(), index=pd.MultiIndex.from_arrays([ctx_m, ctx["region"].to_numpy()]))
        vals = table.reindex(pd.MultiIndex.from_arrays([p.astype(float), regions[e]])).to_numpy()
        grid = np.full((len(emp), T), np.nan)
        grid[e, p] = vals
        context[name] = grid
    done = tr[tr["status"].str.strip().str.lower() == "completed"].copy()
    done["e"] = code.reindex(done["employee_id"]).to_numpy()
    done["p"] = month_index(done["completed_on"]).to_numpy() - first
    courses = sorted(tr["course_id"].unique())
    first_completion = {}
    for c in courses:
        fc = np.full(len(emp), NEVER)
        g = done[done["course_id"] == c].groupby("e")["p"].min()
        fc[g.index.to_numpy().astype(int)] = np.where(g.to_numpy() < 0, BEFORE_DATA, g.to_numpy()).astype(int)
        first_completion[c] = fc
    known = {"employee_id", "hire_date", "termination_date", "role", "department", "region", "level"}
    extra = [c for c in emp.columns if c not in known and pd.api.types.is_numeric_dtype(emp[c])]
    return dict(emp=emp, T=T, hire=hire, term=term, y=y, observed=observed, context=context,
                first_completion=first_completion, courses=courses, extra=extra, first=first)


def prefix(grid):
    """Per-employee prefix sums and counts of the non-NaN months."""
    ok = ~np.isnan(grid)
    s = np.zeros((grid.shape[0], grid.shape[1] + 1))
    c = np.zeros((grid.shape[0], grid.shape[1] + 1))
    s[:, 1:] = np.cumsum(np.where(ok, grid, 0.0), axis=1)
    c[:, 1:] = np.cumsum(ok, axis=1)
    return s, c


def window_mean(s, c, a, b, T):
    lo, hi = min(max(a, 0), T), min(max(b + 1, 0), T)
    if hi <= lo:
        return np.zeros(s.shape[0]), np.zeros(s.shape[0])
    return s[:, hi] - s[:, lo], c[:, hi] - c[:, lo]


def stack_course(P, course):
    """CONTRACT §4 stacked data for one course: a DataFrame, one row per cohort and employee."""
    T, fc = P["T"], P["first_completion"][course]
    ys, yc = prefix(P["y"])
    ctx_prefix = {name: prefix(np.where(P["observed"], g, np.nan)) for name, g in P["context"].items()}
    parts = []
    for g in np.unique(fc[fc >= 0]):
        treated = fc == g
        control = (fc == NEVER) | (fc > g + WINDOW[1])
        ok = (treated | control) & (P["hire"] < g - BASELINE) & (P["term"] >= g - BASELINE)
        ps, pc = window_mean(ys, yc, g - BASELINE, g - 1, T)
        rs, rc = window_mean(ys, yc, g - RECENT, g - 1, T)
        qs, qc = window_mean(ys, yc, g + WINDOW[0], g + WINDOW[1], T)
        ok &= (pc > 0) & (qc > 0)
        idx = np.flatnonzero(ok)
        part = {"employee": idx, "cohort": np.full(len(idx), g), "treated": treated[idx].astype(float),
                "y_pre": ps[idx] / pc[idx], "y_post": qs[idx] / qc[idx], "weight": qc[idx]}
        # The last quarter's mean, or the baseline's when that quarter has no observed month.
        part["y_recent"] = np.where(rc[idx] > 0, rs[idx] / np.maximum(rc[idx], 1), part["y_pre"])
        for name, (cs, cc) in ctx_prefix.items():
            a, b = window_mean(cs, cc, g - BASELINE, g - 1, T)
            part[name] = a[idx] / b[idx]
            a, b = window_mean(cs, cc, g + WINDOW[0], g + WINDOW[1], T)
            part[f"{name}_window"] = a[idx] / b[idx]
        for other in P["courses"]:
            if other == course:
                continue
            f2 = P["first_completion"][other][idx]
            part[f"prior_{other}"] = ((f2 == BEFORE_DATA) | ((f2 >= 0) & (f2 < g))).astype(float)
        parts.append(pd.DataFrame(part))
    df = pd.concat(parts, ignore_index=True)
    emp = P["emp"]
    df["role"] = emp["role"].to_numpy()[df["employee"]]
    df["region"] = emp["region"].to_numpy()[df["employee"]]
    df["level"] = emp["level"].to_numpy()[df["employee"]].astype(float)
    df["tenure"] = df["cohort"] - P["hire"][df["employee"]]
    for name in P["extra"]:
        df[name] = emp[name].to_numpy()[df["employee"]].astype(float)
    return df


def covariate_columns(df, P, course):
    names = ["role", "region", "level", "tenure", "y_pre", "y_recent", *P["extra"],
             *[f"prior_{c}" for c in P["courses"] if c != course],
             *[n for name in P["context"].keys() for n in (name, f"{name}_window")]]
    return [n for n in names if df[n].nunique() > 1]


def trim_support(df, names):
    """As TrainLift does: a 0/1 covariate constant among the treated drops the controls with the other value, and itself."""
    keep = np.ones(len(df), dtype=bool)
    dropped = []
    t = df["treated"].to_numpy() == 1
    for n in names:
        v = df[n].to_numpy()
        if df[n].dtype == object or not np.isin(v, (0.0, 1.0)).all():
            continue
        ones = v[t].sum()
        if ones != 0 and ones != t.sum():
            continue
        keep &= ~((~t) & (v != (0.0 if ones == 0 else 1.0)))
        dropped.append(n)
    return df[keep].reset_index(drop=True), [n for n in names if n not in dropped]


def design(df, names):
    cats = [n for n in names if df[n].dtype == object] + ["cohort"]
    X = pd.get_dummies(df[names + ["cohort"]].astype({"cohort": str}), columns=cats, drop_first=True, dtype=float)
    X.insert(0, "treated", df["treated"].to_numpy())
    return sm.add_constant(X, has_constant="add")


def regression_adjustment(df, X):
    fit = sm.WLS(df["y_post"].to_numpy(), X, weights=df["weight"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": df["employee"].to_numpy()})
    return float(fit.params["treated"]), float(fit.bse["treated"])


def ipw_att(df, X):
    Z = X.drop(columns=["treated"])
    t, w, y = df["treated"].to_numpy(), df["weight"].to_numpy(), df["y_post"].to_numpy()
    fit = sm.GLM(t, Z, family=sm.families.Binomial(), freq_weights=w).fit()
    e = fit.predict(Z)
    a = np.where(t == 1, w, w * e / (1 - e))
    att = np.sum(a * t * y) / np.sum(a * t) - np.sum(a * (1 - t) * y) / np.sum(a * (1 - t))
    return float(att)


def main():
    folder, metric, courses = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    t_all, c_all = time.perf_counter(), time.process_time()
    emp, tr, out, ctx = timed("read CSVs (pandas)", lambda: load(folder, metric))
    P = timed("employee x month grids", lambda: build_panel(emp, tr, out, ctx, metric))
    results = {}
    for c in courses:
        df = timed(f"{c} stack", lambda: stack_course(P, c))
        names = covariate_columns(df, P, c)
        df, names = trim_support(df, names)
        X = timed(f"{c} design (get_dummies)", lambda: design(df, names))
        ra, ra_se = timed(f"{c} regression adjustment (WLS, cluster SE)", lambda: regression_adjustment(df, X))
        ipw = timed(f"{c} logit propensity + IPW ATT", lambda: ipw_att(df, X))
        results[c] = {"rows": int(len(df)), "columns": int(X.shape[1]), "regression_adjustment": ra, "se": ra_se, "ipw": ipw}
    total = {"wall": time.perf_counter() - t_all, "cpu": time.process_time() - c_all}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"timings": timings, "total": total, "peakRssMb": peak, "results": results,
                      "versions": {"pandas": pd.__version__, "statsmodels": sm.__version__ if hasattr(sm, "__version__") else "",
                                   "numpy": np.__version__}}))


if __name__ == "__main__":
    main()
