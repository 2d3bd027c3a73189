"""The planner's explorer: sliders that re-plan a province's water projects and show what
changed, in JupyterLab (the last cell of ``notebooks/water_portfolio.ipynb``) and as a
Voilà app without code (``notebooks/explorer.ipynb``, started by ``oneplan app``).

* :func:`plan_change` compares two plans (projects added, dropped and moved, Δ budget,
  Δ benefit, Δ households, districts affected) — plain data, no widget;
  :func:`change_summary` and :func:`change_table` put it into words and a table.
* :func:`status_text` names the solver's state in the report language, never calling a
  stopped solve optimal; :func:`result_line` is the line shown after each re-solve.
* :class:`Explorer` is the widgets (Thai labels from ``reports/text/explorer.yml`` and the
  criteria's own names) and the callback: it re-solves with
  :func:`oneplan.reports.water.explore_solve` and redraws; :func:`explorer` returns its
  box; :func:`app` adds a province picker for the Voilà app.
* :func:`thai_font_css` is the CSS ``@font-face`` of the package's Thai font as a data URL,
  displayed once at the top of a notebook so that Thai renders on a machine without a
  Thai system font.
"""

from __future__ import annotations

import base64
import functools
import os
import time
from urllib.parse import parse_qs
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd
from markupsafe import Markup

from oneplan.core import areas, thai, vocab
from oneplan.core.fonts import FONT_FAMILY, thai_font_instance
from oneplan.core.text import check_lang, text
from oneplan.data import db
from oneplan.reports import water
from oneplan.reports.pages import escape_html, render
from oneplan.reports.tables import name_column, names, style
from oneplan.selection import portfolio, priority

__all__ = ["APP_DEFAULT_PROVINCE", "APP_ENV", "CSS_FAMILY", "Explorer", "PlanChange", "app",
           "app_settings", "change_summary", "change_table",
           "districts_text", "explorer", "font_css", "panel_html", "plan_change",
           "province_choices", "result_line", "status_text", "thai_font_css"]

CSS_FAMILY = f"{FONT_FAMILY} oneplan"
"""CSS family of the notebook's embedded Thai font (its own name, so it never hides a
system font; it covers only the Thai block, other letters fall through to the page's font)."""

_THAI_RANGE = "U+0E00-0E7F, U+200B-200D, U+25CC"
_PANEL_ROWS = 10


# --- what changed ---------------------------------------------------------------------

@dataclass(frozen=True)
class PlanChange:
    """What changed from one plan to another (:func:`plan_change`).

    ``added``/``dropped`` are the plan rows of the projects selected only after / only
    before, costliest first; ``moved`` the ids selected in both with another start year;
    ``districts`` one row per district with a project added or dropped (``district_code``,
    the name columns of the plans, ``added``, ``dropped``, ``delta_cost_baht``), largest
    change first. Budgets are the plans' total cost in baht; benefit is Σ value ×
    discount^(start − first year) with one valuation for both plans.
    """

    added: pd.DataFrame
    dropped: pd.DataFrame
    moved: tuple
    budget_before_baht: float
    budget_after_baht: float
    benefit_before: float
    benefit_after: float
    households_before: int
    households_after: int
    districts: pd.DataFrame

    @property
    def delta_budget_baht(self) -> float:
        """The after plan's cost minus the before plan's, baht."""
        return self.budget_after_baht - self.budget_before_baht

    @property
    def delta_benefit(self) -> float:
        """The after plan's benefit minus the before plan's (same valuation)."""
        return self.benefit_after - self.benefit_before

    @property
    def delta_benefit_pct(self) -> float:
        """Δ benefit as a percentage of the before plan's benefit (0 when it had none)."""
        return 100.0 * self.delta_benefit / self.benefit_before if self.benefit_before else 0.0

    @property
    def delta_households(self) -> int:
        """Households served by the after plan minus by the before plan."""
        return self.households_after - self.households_before

    @property
    def unchanged(self) -> bool:
        """True when the same projects are selected with the same start years."""
        return self.added.empty and self.dropped.empty and not self.moved


def _plan(x: Any) -> pd.DataFrame:
    """The plan frame of a :class:`~oneplan.selection.portfolio.PlanResult` or a frame."""
    return x.plan if isinstance(x, portfolio.PlanResult) else x


def _chosen(plan: pd.DataFrame) -> pd.DataFrame:
    return plan[plan["selected"].fillna(False).astype(bool)]


def _benefit(sel: pd.DataFrame, value: pd.Series, start_discount: float,
             first_year: int | None) -> float:
    v = sel["project_id"].map(value).astype(float)
    if "priority" in sel:  # a project the valuation does not know keeps its own value
        v = v.fillna(sel["priority"].astype(float))
    v = v.fillna(0.0)
    if start_discount != 1.0 and first_year is not None and "start_year" in sel:
        delay = pd.to_numeric(sel["start_year"], errors="coerce").astype(float) - first_year
        v = v * start_discount ** delay.fillna(0.0)
    return float(v.sum())


def plan_change(before: Any, after: Any, *, value: Mapping[Any, float] | pd.Series | None = None,
                start_discount: float = 1.0, first_year: int | None = None) -> PlanChange:
    """What changed from plan ``before`` to plan ``after``.

    Both are a ``PlanResult`` or its ``plan`` frame (``project_id``, ``selected``,
    ``cost_baht``, ``households_served``, ``district_code``; ``start_year``, ``priority``
    and the district name columns when present).

    Benefit values both plans alike: ``value`` (project id → value), by default the
    ``priority`` of ``before``'s rows, so a plan found with other weights is measured on
    the same scale; with ``start_discount`` and ``first_year`` a project starting ``k``
    years late counts ``start_discount ** k`` of its value, as the plan model does.
    """
    b, a = _plan(before), _plan(after)
    sb, sa = _chosen(b), _chosen(a)
    if value is None:
        value = b.set_index("project_id")["priority"] if "priority" in b else pd.Series(
            dtype=float)
    value = pd.Series(value, dtype=float) if not isinstance(value, pd.Series) else value
    ids_b, ids_a = set(sb["project_id"]), set(sa["project_id"])
    added = sa[~sa["project_id"].isin(ids_b)].sort_values("cost_baht", ascending=False)
    dropped = sb[~sb["project_id"].isin(ids_a)].sort_values("cost_baht", ascending=False)
    moved: tuple = ()
    if "start_year" in sb and "start_year" in sa:
        yb = sb.set_index("project_id")["start_year"]
        ya = sa.set_index("project_id")["start_year"]
        both = [p for p in sa["project_id"] if p in ids_b]
        moved = tuple(p for p in both if yb[p] != ya[p])
    return PlanChange(
        added=added.reset_index(drop=True), dropped=dropped.reset_index(drop=True),
        moved=moved,
        budget_before_baht=float(sb["cost_baht"].sum()),
        budget_after_baht=float(sa["cost_baht"].sum()),
        benefit_before=_benefit(sb, value, start_discount, first_year),
        benefit_after=_benefit(sa, value, start_discount, first_year),
        households_before=int(sb["households_served"].sum()),
        households_after=int(sa["households_served"].sum()),
        districts=_districts(added, dropped))


def _districts(added: pd.DataFrame, dropped: pd.DataFrame) -> pd.DataFrame:
    """One row per district with a project added or dropped, largest |Δ cost| first."""
    name_cols = [c for c in ("district_name", "district_name_en")
                 if c in added.columns and c in dropped.columns]
    cols = ["district_code", *name_cols]
    rows = pd.concat([added[cols].assign(added=1, dropped=0, delta_cost_baht=added["cost_baht"]),
                      dropped[cols].assign(added=0, dropped=1,
                                           delta_cost_baht=-dropped["cost_baht"])])
    if rows.empty:
        return pd.DataFrame(columns=[*cols, "added", "dropped", "delta_cost_baht"])
    out = rows.groupby(cols, dropna=False, sort=False)[
        ["added", "dropped", "delta_cost_baht"]].sum().reset_index()
    order = out["delta_cost_baht"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _t(key: str, lang: str, **fields: Any) -> str:
    return text(f"reports.explorer.{key}", lang, **fields)


def _signed(x: float, digits: int) -> str:
    """``x`` with its sign and thousands separators (``+12.5``, ``−3.0``, ``0.0``)."""
    out = f"{x:+,.{digits}f}"
    return out.replace("-", "−") if float(out.replace(",", "")) != 0 else out.lstrip("+-")


def change_summary(change: PlanChange, lang: str = "th") -> str:
    """The change in one sentence: projects added, dropped and moved, Δ budget in ล้านบาท
    (one decimal), Δ benefit, Δ households."""
    if change.unchanged:
        return _t("change.none", lang)
    return _t("change.summary", lang, added=thai.format_int(len(change.added)),
              dropped=thai.format_int(len(change.dropped)),
              moved=thai.format_int(len(change.moved)),
              d_budget=_signed(change.delta_budget_baht / 1e6, 1),
              d_benefit=_signed(change.delta_benefit, 2),
              d_benefit_pct=_signed(change.delta_benefit_pct, 1),
              d_households=_signed(change.delta_households, 0))


def districts_text(change: PlanChange, lang: str = "th", most: int = 8) -> str:
    """The districts where a project was added or dropped (the first ``most`` by size of
    change, then how many more); empty when none."""
    d = change.districts
    if d.empty:
        return ""
    col = name_column("district", lang)
    shown = (d[col] if col in d else d["district_code"]).astype(str).tolist()
    listed = ", ".join(shown[:most])
    if len(shown) > most:
        listed = _t("change.more_districts", lang, names=listed, n=len(shown) - most)
    return _t("change.districts", lang, n=thai.format_int(len(shown)), names=listed)


def change_table(change: PlanChange, lang: str = "th", rows: int = _PANEL_ROWS
                 ) -> pd.DataFrame:
    """The projects added and dropped (at most ``rows`` of each, costliest first): change,
    project, district, cost in ล้านบาท, households."""
    col = functools.partial(_t, lang=lang)
    parts = []
    for key, frame in (("added", change.added), ("dropped", change.dropped)):
        f = frame.head(rows)
        if f.empty:
            continue
        parts.append(pd.DataFrame({
            col("change.column.change"): _t(f"change.{key}", lang),
            col("change.column.project"): names(f, "project", lang).to_numpy(),
            col("change.column.district"): names(f, "district", lang).to_numpy(),
            col("change.column.cost"): (f["cost_baht"] / 1e6).round(1).to_numpy(),
            col("change.column.households"): f["households_served"].astype("int64").to_numpy(),
        }))
    if not parts:
        return pd.DataFrame(columns=[col(f"change.column.{k}") for k in
                                     ("change", "project", "district", "cost", "households")])
    return pd.concat(parts, ignore_index=True)


# --- the result line ------------------------------------------------------------------

def _pct(gap: float) -> str:
    """A relative gap in percent, two significant figures (0.0031 → ``0.31``)."""
    return f"{gap * 100:.2g}" if gap * 100 < 10 else f"{gap * 100:.1f}"


def status_text(result: portfolio.PlanResult, lang: str = "th") -> str:
    """The solver's state in words: proven optimal, optimal within the proven gap, or
    stopped (at the time limit or otherwise) with its gap — never "optimal" unproven."""
    gap = result.gap
    if result.status == "optimal":
        if gap is None or gap <= 1e-9:
            return _t("status.optimal", lang)
        return _t("status.optimal_within", lang, gap=_pct(gap))
    key = "status.time_limit" if result.status == "time_limit" else "status.stopped"
    if gap is None:
        return _t(f"{key}_no_gap", lang)
    return _t(key, lang, gap=_pct(gap))


def result_line(result: portfolio.PlanResult, lang: str = "th", *,
                seconds: float | None = None) -> str:
    """The plan on screen in one line: projects, budget in ล้านบาท, households served and
    the solver's state; with ``seconds`` (the re-solve's wall time) the explorer's line,
    without it the report's plan."""
    sel = _chosen(result.plan)
    fields = dict(n=thai.format_int(len(sel)), budget_m=thai.format_million(
        sel["cost_baht"].sum()), households=thai.format_int(int(sel["households_served"].sum())),
        status=status_text(result, lang))
    if seconds is None:
        return _t("result_report", lang, **fields)
    return _t("result", lang, seconds=f"{seconds:.2f}", **fields)


def panel_html(result: str, report_line: str, changes: list[tuple[str, str, PlanChange]],
               lang: str = "th", message: str = "") -> str:
    """The HTML under the sliders: the result line, the report's plan, and for each
    ``(versus, heading, change)`` its summary, districts and table (escaped by
    :mod:`oneplan.reports.pages`)."""
    out = []
    for versus, heading, change in changes:
        table = change_table(change, lang)
        n_rows = len(change.added) + len(change.dropped)
        more = n_rows - len(table)
        out.append({
            "versus": versus, "heading": heading, "summary": change_summary(change, lang),
            "districts": districts_text(change, lang),
            "table": Markup(style(table, hide_index=True).to_html()) if len(table) else "",
            "more": _t("change.more_rows", lang, n=thai.format_int(more)) if more > 0 else ""})
    note = _t("change.benefit_note", lang) if changes else ""
    return render("explorer.html.j2", lang=lang, result=result, report_line=report_line,
                  message=message, changes=out, note=note)


# --- the Thai font in notebook output -------------------------------------------------

@functools.lru_cache(maxsize=1)
def font_css() -> str:
    """CSS that embeds the package's Thai font (static Regular and Bold of Noto Sans Thai,
    :mod:`oneplan.core.fonts`) as data URLs for the Thai block only, and puts it first in
    the font stacks of notebook output, widgets and a Voilà page (Latin text keeps the
    page's own font)."""
    faces = []
    for weight in (400, 700):
        data = base64.b64encode(thai_font_instance(weight).read_bytes()).decode("ascii")
        faces.append(
            f"@font-face {{ font-family: '{CSS_FAMILY}'; font-style: normal; "
            f"font-weight: {weight}; font-display: block; unicode-range: {_THAI_RANGE}; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}")
    text_stack = f"'{CSS_FAMILY}', var(--jp-content-font-family, system-ui, sans-serif)"
    code_stack = f"'{CSS_FAMILY}', var(--jp-code-font-family, monospace)"
    return "\n".join([
        *faces,
        "body, .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-RenderedMarkdown, "
        ".jupyter-widgets, .widget-label, .widget-readout, .widget-html-content, "
        ".widget-dropdown select, .jupyter-button, .jp-RenderedHTMLCommon table "
        f"{{ font-family: {text_stack}; }}",
        f".jp-RenderedText pre, .jp-OutputArea-output pre {{ font-family: {code_stack}; }}",
        ".oneplan-explorer-panel table { border-collapse: collapse; }",
        ".oneplan-explorer-panel td, .oneplan-explorer-panel th "
        "{ padding: 2px 8px; border-bottom: 1px solid #ddd; }",
    ])


def thai_font_css():
    """The Thai font for a notebook's output (:func:`font_css` in a ``<style>``), to
    ``display()`` once at the top of a notebook: Thai then renders in JupyterLab and Voilà
    on a machine without a Thai system font."""
    from IPython.display import HTML

    return HTML(f"<style>\n{font_css()}\n</style>")


# --- the widgets ----------------------------------------------------------------------

def _nice_step(x: float) -> float:
    """A round slider step near ``x`` (1, 2 or 5 × a power of ten)."""
    if x <= 0:
        return 1.0
    exp = 10 ** int(f"{x:e}".split("e")[1])
    return min((m * exp for m in (1, 2, 5, 10)), key=lambda s: abs(s - x))


class Explorer:
    """The explorer of one province's plan: a yearly-budget slider, one weight slider per
    criterion (labelled with its Thai or English name), a button back to the report's
    plan, the result/change panel and the plan's chart by district.

    Each slider move re-scores and re-solves (:func:`water.explore_solve`, the plan on
    screen as first incumbent) and shows the result line and what changed against the
    previous plan and against the report's plan. ``widget`` is the ipywidgets box.
    """

    def __init__(self, run: water.PortfolioRun, *,
                 time_limit_s: float = water.EXPLORER_TIME_LIMIT_S):
        import ipywidgets as w

        self.run = run
        self.lang = run.lang
        self.time_limit_s = time_limit_s
        self.report = run.result
        self.shown = run.result
        self.value = run.candidates.set_index("project_id")["priority"]
        self._busy = False
        budget0 = float(next(iter(run.spec.budget_by_year.values()))) / 1e6
        wide = {"description_width": "300px"}  # the Thai labels, sliders aligned
        layout = w.Layout(width="760px")
        self.budget = w.FloatSlider(
            value=budget0, min=round(budget0 / 2, 1), max=round(budget0 * 1.5, 1),
            step=_nice_step(budget0 / 40), description=_t("widget.budget", self.lang),
            readout_format=",.1f", style=wide, layout=layout, continuous_update=False)
        self.report_weights = dict(run.params.priority.weights)
        self.weights = {
            k: w.FloatSlider(value=v, min=0, max=1, step=0.05, readout_format=".2f",
                             description=vocab.name(priority.CRITERIA, k, self.lang),
                             style=wide, layout=layout, continuous_update=False)
            for k, v in self.report_weights.items()}
        self.reset = w.Button(description=_t("widget.reset", self.lang),
                              layout=w.Layout(width="max-content"))
        self.panel = w.HTML()
        self.chart = w.Output()
        for s in (self.budget, *self.weights.values()):
            s.observe(self._on_change, names="value")
        self.reset.on_click(self._on_reset)
        self.widget = w.VBox([
            w.HTML(f"<p>{escape_html(_t('widget.help', self.lang))}</p>"), self.budget,
            w.HTML(f"<p>{escape_html(_t('widget.weights', self.lang))}</p>"),
            *self.weights.values(), self.reset, self.panel, self.chart])
        self.show(self.report, seconds=None, changes=[])

    # what a slider move does -------------------------------------------------------
    def _on_change(self, _change: Any = None) -> None:
        if self._busy:
            return
        self.resolve()

    def resolve(self) -> portfolio.PlanResult | None:
        """Re-solve with the sliders' budget and weights and show the result; None (and a
        message) when every weight is zero."""
        weights = {k: float(s.value) for k, s in self.weights.items()}
        if sum(weights.values()) <= 0:
            self.panel.value = panel_html(
                result_line(self.shown, self.lang), result_line(self.report, self.lang), [],
                self.lang, message=_t("widget.no_weight", self.lang))
            return None
        start = time.perf_counter()
        res = water.explore_solve(self.run, budget_per_year_baht=self.budget.value * 1e6,
                                  weights=weights, previous=self.shown,
                                  time_limit_s=self.time_limit_s)
        self.show(res, seconds=time.perf_counter() - start)
        return res

    def _on_reset(self, _button: Any = None) -> None:
        """Sliders back to the report's values; the report's plan on screen (no solve)."""
        self._busy = True
        try:
            self.budget.value = float(next(iter(self.run.spec.budget_by_year.values()))) / 1e6
            for k, s in self.weights.items():
                s.value = self.report_weights[k]
        finally:
            self._busy = False
        self.show(self.report, seconds=None)

    def changes(self, res: portfolio.PlanResult) -> list[tuple[str, str, PlanChange]]:
        """``res`` against the plan on screen and against the report's plan (one
        comparison while the plan on screen is the report's)."""
        opts = dict(value=self.value, start_discount=self.run.spec.start_discount,
                    first_year=self.run.years[0])
        vs_report = plan_change(self.report, res, **opts)
        if self.shown is self.report:  # one comparison when the previous plan is the report's
            return [("report", _t("change.vs_report_previous", self.lang), vs_report)]
        return [("previous", _t("change.vs_previous", self.lang),
                 plan_change(self.shown, res, **opts)),
                ("report", _t("change.vs_report", self.lang), vs_report)]

    def show(self, res: portfolio.PlanResult, *, seconds: float | None,
             changes: list[tuple[str, str, PlanChange]] | None = None) -> None:
        """Put ``res`` on screen: the panel (result line, changes) and the chart."""
        from IPython.display import display

        from oneplan import charts

        changes = self.changes(res) if changes is None else changes
        line = (result_line(res, self.lang, seconds=seconds) if seconds is not None
                else result_line(res, self.lang))
        self.panel.value = panel_html(
            line, result_line(self.report, self.lang), changes, self.lang,
            message="" if changes else _t("change.first", self.lang))
        self.shown = res
        sel = _chosen(res.plan)
        with self.chart:
            self.chart.clear_output(wait=True)
            display(charts.budget_by_district(sel, lang=self.lang,
                                              district_col=name_column("district", self.lang)))


def explorer(run: water.PortfolioRun):
    """The explorer's widget box for ``run`` (:class:`Explorer`), for a notebook cell."""
    return Explorer(run).widget


# --- the Voilà app --------------------------------------------------------------------

def province_choices(db_path: str | None = None, lang: str = "th") -> list[tuple[str, str]]:
    """``(name, code)`` of every province with water project candidates in the database,
    by code."""
    con = db.connect(db_path, read_only=True)
    try:
        codes = [r[0] for r in con.execute(
            "SELECT DISTINCT province_code FROM water_projects ORDER BY 1").fetchall()]
    finally:
        con.close()
    return [(f"{getattr(areas.province(c), f'name_{lang}')} ({c})", c) for c in codes]


APP_ENV = {"province_code": "ONEPLAN_APP_PROVINCE", "fiscal_year": "ONEPLAN_APP_FISCAL_YEAR",
           "lang": "ONEPLAN_APP_LANG"}
"""The environment variables ``oneplan app`` sets for the app notebook's kernel."""

APP_DEFAULT_PROVINCE = "40"
"""The province the app opens with when none is given (Khon Kaen)."""


def app_settings(province_code: str = "", fiscal_year: int | None = None, lang: str = "",
                 environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The app's province, fiscal year and language: the notebook's parameters when given,
    else the page's URL query (``?province=45&lang=en``, which Voilà hands the kernel as
    ``$QUERY_STRING``), else what ``oneplan app`` set (:data:`APP_ENV`), else Khon Kaen,
    the params' year, Thai. The province is checked (an unknown code raises
    :class:`~oneplan.core.areas.UnknownAreaError`)."""
    env = os.environ if environ is None else environ
    query = {k: v[-1] for k, v in parse_qs(env.get("QUERY_STRING", "")).items()}

    def pick(name: str, given: Any, query_key: str) -> Any:
        return given or query.get(query_key) or env.get(APP_ENV[name]) or None

    code = pick("province_code", province_code, "province") or APP_DEFAULT_PROVINCE
    year = pick("fiscal_year", fiscal_year, "fiscal_year")
    return {"province_code": areas.planning_province(str(code)).code,
            "fiscal_year": int(year) if year else None,
            "lang": check_lang(pick("lang", lang, "lang") or "th")}


def app(province_code: str = APP_DEFAULT_PROVINCE, fiscal_year: int | None = None, db_path: str | None = None,
        lang: str = "th"):
    """The Voilà app: a province picker above the province's :class:`Explorer`; picking
    another province plans it and shows its explorer."""
    import ipywidgets as w

    choices = province_choices(db_path, lang)
    code = areas.province(province_code).code
    if code not in [c for _, c in choices]:  # asked for, though without candidates: shown
        choices = [(f"{getattr(areas.province(code), f'name_{lang}')} ({code})", code),
                   *choices]
    picker = w.Dropdown(options=choices, value=code, description=_t("widget.province", lang),
                        style={"description_width": "initial"})
    body = w.VBox()

    def load(code: str) -> None:
        name = getattr(areas.province(code), f"name_{lang}")
        body.children = [w.HTML(f"<p>{escape_html(_t('widget.loading', lang, province=name))}</p>")]
        run = water.run_portfolio(code, fiscal_year, "", db_path or None, lang)
        body.children = [Explorer(run).widget]

    picker.observe(lambda change: load(change["new"]), names="value")
    load(code)
    return w.VBox([picker, body])
