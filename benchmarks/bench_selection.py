#!/usr/bin/env python
"""Benchmark of the multi-year water plan model (``oneplan.selection.portfolio.plan_portfolio``).

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_selection.py            # 3 repeats (medians)
    python benchmarks/bench_selection.py --quick    # 1 repeat

What it measures (``benchmarks/README.md`` explains each figure):

1. a national-scale instance from the sample generator (~60,000 candidates, ~880
   districts, 27 basins, 3 fiscal years, the generator's precedences and alternatives,
   province envelopes, district caps and equity floors, basin caps, a few committed
   projects), loaded through the central database's own code path (schema, DuckDB,
   ``db.all_water_candidates``) and scored with the default priority weights;
2. our model: build time and solve time (``model.build_plan_model`` +
   ``highs.solve_model``, and ``plan_portfolio`` end to end), status and gap;
3. in the same run, the bare solver: the same model written to MPS by PuLP
   (``prob.writeMPS``) and solved by ``highspy`` alone — only ``run()`` is timed;
4. a naive PuLP build of the same formulation (one constraint at a time, each row grown
   term by term with ``+=``; Python ``sum()`` over PuLP terms is quadratic and is timed
   on the province instance only, see README);
5. a 2,000-candidate province (Nakhon Ratchasima's sub-districts): first solve and
   re-solves (one project forced in, as ``explain_plan`` does; a revision against the
   approved plan with a budget cut).

Times are ``time.perf_counter`` wall-clock seconds; medians over ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))  # a clone runs it without installing

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pulp  # noqa: E402

from oneplan.data import db
from oneplan.selection import explain, highs, model, portfolio, priority
from oneplan.samples import water as sample
from oneplan.data.params import PriorityParams
from oneplan.samples import build

FISCAL_YEAR = 2570
YEARS = (2570, 2571, 2572)
PROVINCE_BUDGET = 400e6          # baht per province per year (params/default.yml)
DISTRICT_CAP_BAHT = 300e6        # national instance: one district's plan total
BASIN_MAX_SHARE = 0.15
DISTRICT_MAX_SHARE = 0.15        # province instance (params/default.yml)
START_DISCOUNT = 0.97
MIP_REL_GAP = 1e-4               # the 0.01 % target
TARGET_RATIO = 1.5
TARGET_GAP = 1e-4
TARGET_PROVINCE_RESOLVE_S = 0.3
EXPLAIN_TIME_LIMIT = 0.5         # params plan.explain_time_limit_s (the report's setting)
EXPLAIN_LOSS_WIDTH = 0.25        # params plan.explain_loss_width
OLD_EXPLAIN_TIME_LIMIT = 10      # the previous setting: each re-solve to the gap, 10 s limit
SUBDISTRICTS = 7256              # in the 76 planning provinces


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, flush=True)


@contextlib.contextmanager
def quiet_fd1():
    """Silence C-level stdout (highspy prints a banner when a solver object is created)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    mem = "?"
    try:
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    highs_version = "-"
    with contextlib.suppress(Exception), quiet_fd1():
        import highspy
        h = highspy.Highs()
        highs_version = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    return {
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical, {usable} usable",
        "memory": mem,
        "python": platform.python_version(),
        "versions": (f"oneplan {version('oneplan')}, pulp {pulp.__version__}, "
                     f"highspy {version('highspy')} (HiGHS {highs_version}), duckdb "
                     f"{duckdb.__version__}, pandas {pd.__version__}, numpy {np.__version__}"),
    }


# --------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------


def load_candidates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Load generated tables into an in-memory DuckDB with the real schema and read the
    candidates back the way the reports do (``db.all_water_candidates``), scored."""
    con = duckdb.connect()
    try:
        con.execute(db.schema_sql())
        for name in build.TABLES_FROM_SAMPLE:
            df = tables[name]
            cols = ", ".join(df.columns)
            con.register("incoming", df)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM incoming")
            con.unregister("incoming")
        cands = db.all_water_candidates(con, FISCAL_YEAR, fund_source="province")
    finally:
        con.close()
    return priority.score_candidates(cands, PriorityParams().weights)


def pick_committed(cands: pd.DataFrame, n: int, seed: int) -> dict[str, str]:
    """A few committed (ongoing) projects: ready, eligible, one-year, unlinked, cheap."""
    ok = cands[cands["ready"] & cands["eligible"] & cands["requires"].isna()
               & cands["alternative_group"].isna() & (cands["duration_years"] == 1)
               & (cands["earliest_start"] == YEARS[0]) & (cands["cost_baht"] < 5e6)]
    rng = np.random.default_rng(seed)
    ids = sorted(rng.choice(ok["project_id"].to_numpy(), size=min(n, len(ok)), replace=False))
    return {pid: "สัญญาผูกพัน (benchmark)" for pid in ids}


@dataclass
class Instance:
    name: str
    cands: pd.DataFrame
    spec: Any
    gen_seconds: float
    stats: dict[str, Any] = field(default_factory=dict)


def national_instance(target: int, seed: int) -> Instance:
    pps = 8.4 * target / 60_000  # candidates per sub-district: 8.4 → ~60,000 nationally
    t0 = time.perf_counter()
    tables = sample.generate(seed=seed, fiscal_year=FISCAL_YEAR, projects_min=250,
                             projects_max=max(1500, int(4 * pps * 300)),
                             projects_per_subdistrict=pps)
    cands = load_candidates(tables)
    gen = time.perf_counter() - t0
    n_prov = cands["province_code"].nunique()
    G = portfolio.GroupLimit
    total = len(YEARS) * PROVINCE_BUDGET * n_prov
    spec = portfolio.PlanSpec(
        years=list(YEARS),
        budget_by_year={y: PROVINCE_BUDGET * n_prov for y in YEARS},
        group_limits=[
            G("province_code", max_baht=len(YEARS) * PROVINCE_BUDGET, name="province_envelope"),
            G("district_code", max_baht=DISTRICT_CAP_BAHT, name="district_cap"),
            G("district_code", min_count=1, name="district_floor"),
            G("basin", max_share=BASIN_MAX_SHARE, name="basin_cap"),
        ],
        must_include=pick_committed(cands, 40, seed),
        readiness_first_year=True,
        start_discount=START_DISCOUNT,
    )
    inst = Instance("national", cands, spec, gen)
    inst.stats = describe(cands, total)
    return inst


def province_instance(seed: int, code: str = "30", n: int = 2000) -> Instance:
    t0 = time.perf_counter()
    tables = sample.generate([code], seed=seed, fiscal_year=FISCAL_YEAR, projects_min=n,
                             projects_max=n)
    cands = load_candidates(tables)
    gen = time.perf_counter() - t0
    G = portfolio.GroupLimit
    spec = portfolio.PlanSpec(
        years=list(YEARS),
        budget_by_year={y: PROVINCE_BUDGET for y in YEARS},
        group_limits=[G("district_code", max_share=DISTRICT_MAX_SHARE, name="district_cap"),
                      G("district_code", min_count=1, name="district_floor")],
        readiness_first_year=True,
        start_discount=START_DISCOUNT,
    )
    inst = Instance(f"province {code}", cands, spec, gen)
    inst.stats = describe(cands, len(YEARS) * PROVINCE_BUDGET)
    return inst


def describe(cands: pd.DataFrame, plan_budget: float) -> dict[str, Any]:
    alt = cands["alternative_group"].dropna()
    el = cands["eligible"]
    return {
        "candidates": len(cands),
        "provinces": cands["province_code"].nunique(),
        "districts": cands["district_code"].nunique(),
        "basins": cands["basin"].nunique(),
        "precedences": int(cands["requires"].notna().sum()),
        "alternative groups": f"{alt.nunique():,} ({len(alt):,} projects)",
        "eligible (province budget)": f"{int(el.sum()):,} ({el.mean():.0%})",
        "ready": f"{int(cands['ready'].sum()):,}",
        "multi-year": f"{int((cands['duration_years'] > 1).sum()):,}",
        "eligible cost / plan budget": f"{cands.loc[el, 'cost_baht'].sum() / plan_budget:.1f}×",
    }


# --------------------------------------------------------------------------------------
# The naive baseline: the same formulation, built one row at a time, term by term
# --------------------------------------------------------------------------------------


def start_options(cands: pd.DataFrame, spec) -> dict[str, list[int]]:
    """Feasible start years per project under the contract (docs/plan-model-api.md):
    eligible, not excluded, finishes inside the plan, not before its earliest start, not
    in year one unless ready, its fixed start if any, and — propagated to a fixed point —
    every project it requires can start no later (a committed project's requirement
    no earlier than the committed project can start)."""
    years = list(spec.years)
    first, last = years[0], years[-1]
    excluded = set(spec.must_exclude)
    opts: dict[str, list[int]] = {}
    for r in cands.itertuples(index=False):
        if not r.eligible or r.project_id in excluded:
            opts[r.project_id] = []
            continue
        prof = r.cost_profile if isinstance(r.cost_profile, tuple) else (1.0,)
        es = first if pd.isna(r.earliest_start) else int(r.earliest_start)
        ts = [t for t in years
              if t >= es and t + len(prof) - 1 <= last
              and not (spec.readiness_first_year and not r.ready and t == first)]
        fixed = spec.fixed_start.get(r.project_id)
        opts[r.project_id] = [t for t in ts if t == fixed] if fixed is not None else ts
    edges = [(b, a) for b, a in zip(cands["project_id"], cands["requires"]) if a is not None]
    for b, a in edges:
        if a not in opts:
            opts[b] = []
    committed = set(spec.must_include)
    changed = True
    while changed:
        changed = False
        for b, a in edges:
            if a not in opts:
                continue
            keep = [t for t in opts[b] if opts[a] and min(opts[a]) <= t]
            if b in committed:
                keep_a = [s for s in opts[a] if opts[b] and s <= max(opts[b])]
                if keep_a != opts[a]:
                    opts[a], changed = keep_a, True
            if keep != opts[b]:
                opts[b], changed = keep, True
    return opts


def naive_build(cands: pd.DataFrame, spec, *, value_col: str = "priority",
                use_sum: bool = False) -> pulp.LpProblem:
    """The straightforward PuLP model of the same formulation: ``y[i,t] = 1`` if project
    ``i`` starts in year ``t``.

    Each constraint is built on its own, its expression grown term by term with ``+=``
    (or, with ``use_sum``, with Python's ``sum()`` over PuLP terms, which copies the
    expression at every step).
    """

    def add_up(terms):
        if use_sum:
            return sum(terms)
        expr = pulp.LpAffineExpression()
        for term in terms:
            expr += term
        return expr

    prob = pulp.LpProblem("naive_plan", pulp.LpMaximize)
    years = list(spec.years)
    opts = start_options(cands, spec)
    y: dict[tuple[str, int], pulp.LpVariable] = {}
    for pid, ts in opts.items():
        for t in ts:
            y[pid, t] = pulp.LpVariable(f"y_{pid}_{t}".replace("-", "_"), cat=pulp.LpBinary)
    rec = {r.project_id: r for r in cands.itertuples(index=False)}

    # objective (with the revision's stability penalty when a baseline is given)
    baseline = dict(spec.baseline or {})
    obj = add_up(getattr(rec[pid], value_col) * spec.start_discount ** years.index(t) * v
                 for (pid, t), v in y.items())
    for pid, t in baseline.items():
        if (pid, t) in y:
            obj += spec.stability_penalty * y[pid, t]
        obj += -spec.stability_penalty
    prob += obj
    # budget per year over the cost profiles
    for year in years:
        terms = []
        for (pid, t), v in y.items():
            prof = rec[pid].cost_profile
            j = years.index(year) - years.index(t)
            if 0 <= j < len(prof) and prof[j] > 0:
                terms.append(rec[pid].cost_baht * prof[j] * v)
        if terms:
            prob += add_up(terms) <= spec.budget_by_year[year], f"budget_{year}"
    # one start per project; committed projects exactly one
    for pid, ts in opts.items():
        if pid in spec.must_include:
            prob += add_up(y[pid, t] for t in ts) == 1, f"must_include_{pid}"
        elif len(ts) > 1:
            prob += add_up(y[pid, t] for t in ts) <= 1, f"one_start_{pid}"
    # precedence: if B has started by t, A has started by t
    for pid, ts in opts.items():
        req = rec[pid].requires
        if req is None:
            continue
        for t in ts:
            prob += (add_up(y[pid, s] for s in ts if s <= t)
                     - add_up(y[req, s] for s in opts[req] if s <= t) <= 0,
                     f"needs_{pid}_{t}")
    # alternatives
    groups = cands.dropna(subset=["alternative_group"]).groupby("alternative_group")
    for g, members in groups:
        live = [pid for pid in members["project_id"] if opts[pid]]
        if len(live) > 1:
            prob += add_up(y[pid, t] for pid in live for t in opts[pid]) <= 1, f"alt_{g}"
    # group caps and floors
    total_budget = sum(spec.budget_by_year[t] for t in years)
    for lim in spec.group_limits:
        keys = [lim.key] if lim.key is not None else sorted(cands[lim.column].dropna().unique())
        for key in keys:
            ids = cands.loc[cands[lim.column] == key, "project_id"].tolist()
            cnt = [y[pid, t] for pid in ids for t in opts[pid]]
            if not cnt:
                continue
            caps = [c for c in (lim.max_baht, None if lim.max_share is None
                                else lim.max_share * total_budget) if c is not None]
            if caps:
                prob += (add_up(rec[pid].cost_baht * y[pid, t] for pid in ids for t in opts[pid])
                         <= min(caps), f"{lim.name}_{key}_max_baht")
            if lim.max_count is not None:
                prob += add_up(cnt) <= lim.max_count, f"{lim.name}_{key}_max_count"
            if lim.min_count:
                capable = sum(1 for pid in ids if opts[pid] and (
                    rec[pid].ready or pid in spec.must_include))
                if capable >= lim.min_count:
                    prob += add_up(cnt) >= lim.min_count, f"{lim.name}_{key}_min_count"
    return prob


# --------------------------------------------------------------------------------------
# Our model, the bare solver
# --------------------------------------------------------------------------------------


def find_problem(built: Any) -> pulp.LpProblem:
    if isinstance(built, pulp.LpProblem):
        return built
    for part in (built if isinstance(built, (tuple, list)) else vars(built).values()):
        if isinstance(part, pulp.LpProblem):
            return part
    raise TypeError(f"no LpProblem in what build_plan_model returned: {type(built)}")


def ours_build(cands, spec) -> tuple[float, pulp.LpProblem, Any]:
    t, built = timed(lambda: model.build_plan_model(cands, spec))
    return t, find_problem(built), built


def ours_solve(prob: pulp.LpProblem, time_limit: float, threads: int | None):
    return timed(lambda: highs.solve_model(prob, time_limit_s=time_limit,
                                           mip_rel_gap=MIP_REL_GAP, threads=threads))


def bare_solve(mps: Path, time_limit: float, threads: int | None) -> dict[str, Any]:
    import highspy

    with quiet_fd1():
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(mps))
        h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        h.setOptionValue("time_limit", float(time_limit))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        t0 = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - t0
    info = h.getInfo()
    return {"seconds": seconds, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": info.objective_function_value, "gap": info.mip_gap,
            "rows": h.getNumRow(), "cols": h.getNumCol()}


def model_size(prob: pulp.LpProblem) -> str:
    nnz = sum(len(c) for c in prob.constraints.values())
    return f"{prob.numConstraints():,} rows × {prob.numVariables():,} columns, {nnz:,} nonzeros"


def fmt_s(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def fmt_gap(g: Any) -> str:
    try:
        return f"{float(g) * 100:.4f} %"
    except (TypeError, ValueError):
        return "–"


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def run_national(args, table: list[tuple[str, str, str]]) -> None:
    log("\n== national instance ==")
    inst = national_instance(args.candidates, args.seed)
    log(f"generated and loaded in {inst.gen_seconds:.1f} s "
        "(sample.generate → DuckDB → db.all_water_candidates → priority)")
    for k, v in inst.stats.items():
        log(f"  {k:<30} {v:,}" if isinstance(v, int) else f"  {k:<30} {v}")
    log(f"  years {list(YEARS)}, budget {PROVINCE_BUDGET * inst.stats['provinces'] / 1e9:.1f} "
        f"billion baht a year; province envelopes, district caps "
        f"({DISTRICT_CAP_BAHT / 1e6:.0f} M) and floors (≥ 1), basin caps "
        f"({BASIN_MAX_SHARE:.0%}), {len(inst.spec.must_include)} committed")
    table.append(("national candidates", f"{len(inst.cands):,}", "~60,000"))

    # naive baseline (+=)
    naive_t = []
    for _ in range(args.repeats):
        t, nprob = timed(lambda: naive_build(inst.cands, inst.spec))
        naive_t.append(t)
    log(f"naive PuLP build (+= per term): median {fmt_s(median(naive_t))} "
        f"[{', '.join(f'{x:.2f}' for x in naive_t)}]  {model_size(nprob)}")
    del nprob

    build_t, solve_t, e2e_t, bare_t, whole_t, same_t = [], [], [], [], [], []
    result = bare = whole = same = None
    with tempfile.TemporaryDirectory() as tmp:
        mps = Path(tmp) / "national.mps"
        for r in range(args.repeats):
            t, prob, _built = ours_build(inst.cands, inst.spec)
            build_t.append(t)
            if r == 0:
                log(f"our model: {model_size(prob)}")
                tw, _ = timed(lambda: prob.writeMPS(str(mps), with_objsense=True, rename=True))
                log(f"MPS written in {tw:.1f} s ({mps.stat().st_size / 1e6:.0f} MB)")
            if args.whole_model:
                t, whole = ours_solve(prob, args.time_limit, args.threads)
                whole_t.append(t)
                log(f"  run {r + 1}: whole model, solve_model (PuLP → HiGHS, no blocks) "
                    f"{t:.2f} s, {whole.status}, gap {fmt_gap(whole.gap)}, objective "
                    f"{whole.objective:.4f}")
            del prob, _built
            t, result = timed(lambda: portfolio.plan_portfolio(
                inst.cands, inst.spec, time_limit_s=args.time_limit,
                mip_rel_gap=MIP_REL_GAP, threads=args.threads))
            e2e_t.append(t)
            solve_t.append(result.solve_seconds)
            log(f"  run {r + 1}: plan_portfolio {t:.2f} s (build {result.build_seconds:.2f}, "
                f"solve {result.solve_seconds:.2f}), {result.status}, gap "
                f"{fmt_gap(result.gap)}, bound {result.best_bound:.4f}, "
                f"{len(result.selected_ids):,} selected, objective {result.objective:.4f}; "
                f"{result.method}")
            bare = bare_solve(mps, args.time_limit, args.threads)
            bare_t.append(bare["seconds"])
            log(f"  run {r + 1}: bare HiGHS run() {bare['seconds']:.2f} s, {bare['status']}, "
                f"gap {fmt_gap(bare['gap'])}, objective {bare['objective']:.4f}")
            same = bare_solve(mps, max(t, 1.0), args.threads)
            same_t.append(same["seconds"])
            log(f"  run {r + 1}: bare HiGHS run() given plan_portfolio's {t:.1f} s: "
                f"{same['status']}, gap {fmt_gap(same['gap'])}, objective "
                f"{same['objective']:.4f}")
    b, s, bare_m, nb = median(build_t), median(solve_t), median(bare_t), median(naive_t)
    ratio = (b + s) / bare_m
    e2e_ratio = median(e2e_t) / bare_m
    log(f"median: build {b:.2f} s, solve {s:.2f} s, bare {bare_m:.2f} s → "
        f"(build + solve) / bare = {ratio:.2f}×; plan_portfolio / bare = {e2e_ratio:.2f}×; "
        f"our build / naive build = {b / nb:.2f}×")
    bare_note = "" if bare["status"] == "Optimal" else f" ({bare['status']})"
    table += [
        ("model build (ours)", fmt_s(b), ""),
        ("naive PuLP build (+=)", fmt_s(nb), ""),
        ("our build / naive build", f"{b / nb:.2f}× ({nb / b:.1f}× faster)", "< 1×"),
        ("solve (ours: plan_portfolio, blocks + Lagrangian bound)", fmt_s(s), ""),
        ("bare HiGHS run() on the MPS", fmt_s(bare_m) + bare_note, ""),
        ("(build + solve) / bare solve", f"{ratio:.2f}×", f"≤ {TARGET_RATIO}×"),
        ("plan_portfolio end to end", fmt_s(median(e2e_t)), ""),
        ("plan_portfolio / bare solve", f"{e2e_ratio:.2f}×", f"≤ {TARGET_RATIO}×"),
        ("status", f"{result.status} (bare {bare['status']})", "optimal"),
        ("gap", f"{fmt_gap(result.gap)} (bare {fmt_gap(bare['gap'])} after "
                f"{fmt_s(bare_m)}; bare {fmt_gap(same['gap'])} after plan_portfolio's "
                f"{fmt_s(median(e2e_t))})", f"≤ {TARGET_GAP * 100:.2f} %"),
    ]
    if whole is not None:
        table.append(("whole model through PuLP → HiGHS (no blocks)",
                      f"{fmt_s(median(whole_t))}, {whole.status}, gap {fmt_gap(whole.gap)}",
                      ""))


def run_province(args, table: list[tuple[str, str, str]]) -> None:
    log("\n== province instance (2,000 candidates) ==")
    inst = province_instance(args.seed)
    for k, v in inst.stats.items():
        log(f"  {k:<30} {v:,}" if isinstance(v, int) else f"  {k:<30} {v}")
    naive_t, sum_t = [], []
    for _ in range(args.repeats):
        naive_t.append(timed(lambda: naive_build(inst.cands, inst.spec))[0])
        sum_t.append(timed(lambda: naive_build(inst.cands, inst.spec, use_sum=True))[0])
    log(f"naive build: += {fmt_s(median(naive_t))}, Python sum() {fmt_s(median(sum_t))}")
    plan = lambda spec, **kw: portfolio.plan_portfolio(  # noqa: E731
        inst.cands, spec, time_limit_s=args.time_limit, mip_rel_gap=MIP_REL_GAP,
        threads=args.threads, **kw)
    first = plan(inst.spec)  # warm-up (imports, HiGHS thread pool)
    t_first, t_force, t_rev = [], [], []
    chosen = set(first.selected_ids)
    miss = (inst.cands.loc[~inst.cands["project_id"].isin(chosen) & inst.cands["eligible"]
                           & inst.cands["ready"]]
            .sort_values("priority", ascending=False)["project_id"].head(max(args.repeats, 5)))
    plan_df = first.plan.set_index("project_id")
    baseline = {pid: int(plan_df.at[pid, "start_year"]) for pid in chosen}
    budget = dict(inst.spec.budget_by_year)
    budget[YEARS[1]] *= 0.9
    rev_spec = _replace(inst.spec, baseline=baseline, stability_penalty=0.05,
                        budget_by_year=budget)
    for r in range(args.repeats):
        t, res = timed(lambda: plan(inst.spec))
        t_first.append(t)
        t, res_f = timed(lambda: plan(inst.spec, force_in=(miss.iloc[r % len(miss)],)))
        t_force.append(t)
        t, res_r = timed(lambda: plan(rev_spec))
        t_rev.append(t)
    log(f"solve: {fmt_s(median(t_first))} ({res.status}, gap {fmt_gap(res.gap)}, build "
        f"{res.build_seconds:.3f} s, solve {res.solve_seconds:.3f} s)")
    bare_t = []
    with tempfile.TemporaryDirectory() as tmp:
        mps = Path(tmp) / "province.mps"
        _, prob, _built = ours_build(inst.cands, inst.spec)
        prob.writeMPS(str(mps), with_objsense=True, rename=True)
        for _ in range(args.repeats):
            bare = bare_solve(mps, args.time_limit, args.threads)
            bare_t.append(bare["seconds"])
    log(f"bare HiGHS run() on the same model: {fmt_s(median(bare_t))} ({bare['status']}, "
        f"gap {fmt_gap(bare['gap'])})")
    log(f"re-solve, one project forced in (plan_portfolio: rebuild, no start): "
        f"{fmt_s(median(t_force))} ({res_f.status})")
    t_rev_start = []
    for _ in range(args.repeats):
        t, res_rs = timed(lambda: plan(rev_spec, mip_start=baseline))
        t_rev_start.append(t)
    log(f"re-solve, revision (baseline, 10 % cut in {YEARS[1]}): {fmt_s(median(t_rev))} "
        f"({res_r.status}, gap {fmt_gap(res_r.gap)}); with the approved plan as MIP start "
        f"{fmt_s(median(t_rev_start))} ({res_rs.status}, gap {fmt_gap(res_rs.gap)})")

    # Re-solves on the kept model (bounds changed, no rebuild), as explain_plan does:
    # the same forced-in projects, (a) solved to the gap, no start (the old way, kept
    # model), (b) with the greedy MIP start, (c) with the start and the early stop once
    # the loss is proven > 0 and known within 25 %.
    prob, _, meta = model.build_plan_model(inst.cands, inst.spec)
    base = explain.result_columns(meta, res)
    ex = explain.Explainer(meta, base)
    infos = {meta.data.position[pid]: None for pid in miss}
    for i in infos:
        infos[i] = ex.structural(i)
    ways = {"kept model, to the gap, no start": dict(start=False, stop=None),
            "kept model, MIP start": dict(start=True, stop=None),
            "kept model, MIP start, stop at 25 % range": dict(start=True,
                                                              stop=EXPLAIN_LOSS_WIDTH)}
    kept: dict[str, list[float]] = {}
    for label, how in ways.items():
        engine = highs.PlanEngine(prob, meta, time_limit_s=args.resolve_limit,
                                  mip_rel_gap=MIP_REL_GAP, threads=args.threads,
                                  highs_options=None)
        times, notes = [], []
        for i, info in infos.items():
            start = ex.start_in(i, info) if how["start"] else None
            stop = None if how["stop"] is None else (ex.coef_total, how["stop"])
            out, x = engine.solve_with(force_in=[i], start=start, stop_when=stop)
            times.append(out.seconds)
            lo = ex.coef_total - out.best_bound if out.best_bound is not None else math.nan
            hi = ex.coef_total - out.objective if out.objective is not None else math.nan
            notes.append(f"{out.status} [{lo:.4f}, {hi:.4f}]")
        kept[label] = times
        log(f"re-solve forced in, {label}: median {fmt_s(median(times))} "
            f"[{', '.join(f'{t:.2f}' for t in times)}] loss ranges {'; '.join(notes)}")
    # What the explorer's sliders ask: a new budget or new weights, the plan on screen
    # as MIP start, solved to the gap (the explorer itself stops at 1 s and says so).
    changes = {"budget −5 %": (0.95, None), "budget +5 %": (1.05, None),
               "budget +20 %": (1.2, None), "weights moved": (1.0, "moved")}
    t_change, change_notes = [], []
    for label, (factor, w) in changes.items():
        cands = inst.cands
        if w is not None:
            weights = dict(PriorityParams().weights)
            first_key = next(iter(weights))
            weights[first_key] = weights[first_key] + 0.1
            cands = priority.score_candidates(inst.cands.drop(columns=["priority"]),
                                              weights)
        spec = _replace(inst.spec, budget_by_year={
            y: b * factor for y, b in inst.spec.budget_by_year.items()})
        t, rc = timed(lambda: portfolio.plan_portfolio(
            cands, spec, time_limit_s=args.resolve_limit, mip_rel_gap=MIP_REL_GAP,
            threads=args.threads, mip_start=res))
        t_change.append(t)
        change_notes.append(f"{label} {t:.2f} s {rc.status} gap {fmt_gap(rc.gap)}")
    log("re-solve after a slider change, previous plan as start, to the gap: "
        + "; ".join(change_notes))
    bare_m = median(bare_t)
    explain_plan = explain.explain_plan
    k = 20
    t_ex_old, _ = timed(lambda: explain_plan(inst.cands, inst.spec, res, max_resolves=k,
                                             time_limit_s=OLD_EXPLAIN_TIME_LIMIT,
                                             threads=args.threads))
    t_ex, ex_df = timed(lambda: explain_plan(inst.cands, inst.spec, res, max_resolves=k,
                                             time_limit_s=EXPLAIN_TIME_LIMIT,
                                             loss_width=EXPLAIN_LOSS_WIDTH, threads=args.threads))
    conf = ex_df[ex_df["confirmed"]]
    proven = int((conf["objective_delta_low"] > 1e-9).sum())
    log(f"explain_plan, {k} re-solves: report settings ({EXPLAIN_TIME_LIMIT:g} s limit, "
        f"stop at {EXPLAIN_LOSS_WIDTH:.0%} range) {t_ex:.2f} s, {len(conf)} confirmed, "
        f"{proven} with the loss proven > 0; to the gap ({OLD_EXPLAIN_TIME_LIMIT:g} s limit) "
        f"{t_ex_old:.2f} s")
    table += [
        ("province (2,000) naive build += / sum()",
         f"{fmt_s(median(naive_t))} / {fmt_s(median(sum_t))}", ""),
        ("province (2,000) solve / bare HiGHS run()",
         f"{fmt_s(median(t_first))} / {fmt_s(bare_m)} = {median(t_first) / bare_m:.2f}×", ""),
        ("province re-solve forced in, plan_portfolio (rebuild)",
         f"{fmt_s(median(t_force))} = {median(t_force) / bare_m:.2f}× bare solve",
         f"≤ {TARGET_PROVINCE_RESOLVE_S} s"),
    ]
    for label, times in kept.items():
        table.append((f"province re-solve forced in, {label}",
                      f"{fmt_s(median(times))} = {median(times) / bare_m:.2f}× bare solve",
                      f"≤ {TARGET_PROVINCE_RESOLVE_S} s"))
    table += [
        ("province explain_plan per re-solve (report settings)",
         f"{fmt_s(t_ex / k)} ({len(conf)}/{k} confirmed, {proven} proven > 0)",
         f"≤ {TARGET_PROVINCE_RESOLVE_S} s"),
        ("province explain_plan per re-solve (to the gap, old)", fmt_s(t_ex_old / k), ""),
        ("province re-solve, revision (no start / approved plan as start)",
         f"{fmt_s(median(t_rev))} / {fmt_s(median(t_rev_start))}",
         f"≤ {TARGET_PROVINCE_RESOLVE_S} s"),
        ("province re-solve after a budget/weight change (start: previous plan)",
         f"median {fmt_s(median(t_change))} [{', '.join(f'{t:.2f}' for t in t_change)}]",
         f"≤ {TARGET_PROVINCE_RESOLVE_S} s"),
    ]


def _replace(spec, **changes):
    import dataclasses
    return dataclasses.replace(spec, **changes)


def main(argv: list[str] | None = None) -> int:
    global MIP_REL_GAP
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one repeat instead of three")
    ap.add_argument("--repeats", type=int, default=None, help="repeats (default 3, 1 with --quick)")
    ap.add_argument("--candidates", type=int, default=60_000, help="national instance size")
    ap.add_argument("--time-limit", type=float, default=600, help="solver time limit, s")
    ap.add_argument("--threads", type=int, default=None, help="HiGHS threads (default: HiGHS's)")
    ap.add_argument("--gap", type=float, default=MIP_REL_GAP,
                    help="mip_rel_gap for every solve (default 1e-4, the 0.01 %% target)")
    ap.add_argument("--seed", type=int, default=2567)
    ap.add_argument("--resolve-limit", type=float, default=20,
                    help="time limit of each kept-model re-solve, s (default 20)")
    ap.add_argument("--skip-national", action="store_true")
    ap.add_argument("--whole-model", action="store_true",
                    help="also solve the national model whole (HiGHS branch-and-bound, "
                         "no blocks) through PuLP; adds up to --time-limit per repeat")
    ap.add_argument("--skip-province", action="store_true")
    args = ap.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 3)
    MIP_REL_GAP = args.gap

    log("oneplan benchmark: multi-year water plan selection")
    for k, v in machine_info().items():
        log(f"  {k:<9} {v}")
    log(f"  repeats   {args.repeats} (medians), time limit {args.time_limit:g} s, "
        f"mip_rel_gap {MIP_REL_GAP:g}, threads {args.threads or 'HiGHS default'}")
    table: list[tuple[str, str, str]] = []
    t0 = time.perf_counter()
    if not args.skip_national:
        run_national(args, table)
    if not args.skip_province:
        run_province(args, table)
    log(f"\n== summary (total {time.perf_counter() - t0:.0f} s) ==")
    w0 = max(len(r[0]) for r in table)
    w1 = max(len(r[1]) for r in table)
    log(f"{'figure':<{w0}}  {'value':<{w1}}  target")
    log(f"{'-' * w0}  {'-' * w1}  ------")
    for name, value, target in table:
        log(f"{name:<{w0}}  {value:<{w1}}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
