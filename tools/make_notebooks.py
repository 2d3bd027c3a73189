"""Regenerate the thin notebooks in notebooks/ (run: python tools/make_notebooks.py).

Notebooks are written without outputs; edit this file, not the .ipynb, so diffs stay small.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


def code(src: str, **meta) -> nbformat.NotebookNode:
    cell = new_code_cell(src.strip())
    cell.metadata.update(meta)
    return cell


def water_portfolio() -> nbformat.NotebookNode:
    cells = [
        code(
            '''
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "40"   # DOPA code as a string: "40" Khon Kaen, "45" Roi Et, "32" Surin
fiscal_year = 2570     # first fiscal year of the plan, พ.ศ.
scenario = ""          # a file in params/scenarios/ without .yml, e.g. drought-first
output_dir = ""        # where summary.json and the XLSX go; empty: reports/<fiscal_year>/<province_code>
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
interactive = True     # sliders to re-solve (JupyterLab); batch runs pass False
''',
            tags=["parameters"],
        ),
        code(
            '''
from IPython.display import Markdown, display

from oneplan import charts; from oneplan.reports import water as waterplan
from oneplan.core.paths import default_reports_dir
from oneplan.reports.tables import style

charts.use_thai_style()
run = waterplan.run_portfolio(province_code, fiscal_year, scenario, db_path or None, lang)
L = run.lang
display(Markdown(f"# {waterplan.title(run)}"))
display(Markdown(waterplan.intro(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("need", L)))
need = waterplan.need_tables(run)
display(style(need["zones"], hide_index=True, decimals=2))
display(waterplan.need_map(run))
display(Markdown(waterplan.interpret_need(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("candidates", L)))
display(style(waterplan.candidates_by_type(run)))
display(Markdown(waterplan.interpret_candidates(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("selection", L)))
display(Markdown(waterplan.interpret_selection(run)))
display(style(waterplan.spend_by_year(run), hide_index=True))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("districts", L)))
fig = charts.budget_by_district(run.selected, lang=L,
                                district_col="district_name" if L == "th" else "district_name_en")
charts.show(fig, synthetic=run.synthetic, lang=L)
display(waterplan.district_map(run))
display(style(waterplan.budget_by_district(run)))
display(style(waterplan.budget_by_basin(run), hide_index=True))
display(Markdown(waterplan.interpret_districts(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("scatter", L)))
fig = charts.benefit_vs_cost(run.candidates, lang=L)
charts.show(fig, synthetic=run.synthetic, lang=L)
display(Markdown(waterplan.interpret_scatter(run)))
'''
        ),
        code(
            '''
reasons = waterplan.reasons(run)
display(Markdown(waterplan.heading("table", L)))
display(style(waterplan.selected_table(run, reasons), decimals=3))
display(Markdown(waterplan.heading("reasons", L)))
display(Markdown(waterplan.interpret_reasons(run)))
display(style(waterplan.reasons_summary(run)))
display(style(waterplan.closest_misses(run), decimals=3))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("frontier", L)))
fig = charts.frontier_chart(waterplan.frontier(run), lang=L)
charts.show(fig, synthetic=run.synthetic, lang=L)
display(style(waterplan.frontier_table(run), hide_index=True, decimals=2))
display(Markdown(waterplan.interpret_frontier(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("scenarios", L)))
fig = charts.scenario_chart(waterplan.scenarios(run), lang=L)
charts.show(fig, synthetic=run.synthetic, lang=L)
display(style(waterplan.scenarios_table(run), decimals=2))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("methods", L)))
display(style(waterplan.methods_table(run), decimals=2))
display(Markdown(waterplan.interpret_methods(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("revision", L)))
rev = waterplan.revision(run, months=6)
display(Markdown(rev.summary(L)))
display(style(rev.table(L).head(30), hide_index=True, decimals=2))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("method", L)))
display(style(waterplan.weights_table(run), hide_index=True, decimals=2))
display(Markdown(waterplan.method_note(run)))
'''
        ),
        code(
            '''
out = output_dir or default_reports_dir() / str(run.params.fiscal_year) / run.province.code
summary_path = waterplan.write_summary(run, out)
xlsx_path = waterplan.export_plan_xlsx(run, out)
''',
            tags=["remove-cell"],
        ),
        code(
            '''
# Try other budgets and weights: each change re-scores and re-solves the province.
if interactive:
    display(waterplan.explorer(run))
''',
            tags=["remove-cell"],
        ),
    ]
    return _notebook(cells, "water-portfolio")


def _notebook(cells, name: str) -> nbformat.NotebookNode:
    """A notebook with stable cell ids (``<name>-<n>``), so regenerating changes nothing."""
    for i, cell in enumerate(cells):
        cell.id = f"{name}-{i:02d}"
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _params_cell(province_code: str, comment: str, extra: str = "") -> nbformat.NotebookNode:
    return code(
        f'''
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "{province_code}"   # DOPA code as a string: {comment}, empty for all provinces
fiscal_year = 2570     # fiscal year, พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # summary, CSV/XLSX (and OC4IDS) go here; empty: reports/<fiscal_year>/<province_code>
{extra}''',
        tags=["parameters"],
    )


def national_overview() -> nbformat.NotebookNode:
    cells = [
        code(
            '''
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = ""     # national report: always empty (every province)
fiscal_year = 2570     # พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # empty: reports/<fiscal_year>/national (province reports are read beside it)
''',
            tags=["parameters"],
        ),
        code(
            '''
from IPython.display import Markdown, display

from oneplan import charts; from oneplan.reports import overview

charts.use_thai_style()
L = lang
ov = overview.load(fiscal_year, lang, db_path or None, output_dir or None)
display(Markdown(f"# {overview.title(L, ov.fiscal_year)}"))
display(Markdown(overview.intro(ov)))
'''
        ),
        code(
            '''
display(Markdown(overview.heading("totals", L)))
display(overview.styled(overview.totals_table(ov.totals, L)))
'''
        ),
        code(
            '''
display(Markdown(overview.heading("requested", L)))
fig = overview.requested_vs_selected_chart(ov.figures, L)
charts.show(fig, synthetic=ov.synthetic, lang=L)
'''
        ),
        code(
            '''
display(Markdown(overview.heading("map", L)))
if ov.figures["baht_per_capita"].notna().any():
    display(overview.choropleth(ov.figures, "baht_per_capita", L))
else:
    display(Markdown(charts.TEXT[L]["no_data"]))
display(Markdown(overview.heading("map_complaints", L)))
if ov.figures["complaints_per_10k"].notna().any():
    display(overview.choropleth(ov.figures, "complaints_per_10k", L))
else:
    display(Markdown(charts.TEXT[L]["no_data"]))
'''
        ),
        code(
            '''
display(Markdown(overview.heading("rankings", L)))
for rk in overview.RANKINGS:
    display(Markdown(f"### {overview.label(rk.metric, L)}"))
    display(Markdown(overview.interpret_rankings(ov, rk)))
    table = overview.ranking(ov.figures, rk, L)
    if len(table):
        display(overview.styled(table.head(15)))
'''
        ),
        code(
            '''
display(Markdown(overview.heading("awards", L)))
display(overview.styled(overview.award_vs_peers(ov.figures, lang=L)))
'''
        ),
        code(
            '''
display(Markdown(overview.heading("provinces", L)))
display(overview.styled(overview.province_table(ov.figures, L)))
display(Markdown(overview.heading("method", L)))
display(Markdown(overview.method_note(L)))
'''
        ),
        code(
            '''
out = output_dir or overview.default_output_dir(ov.fiscal_year)
summary_path = overview.write_summary(ov, out)
''',
            tags=["remove-cell"],
        ),
    ]
    return _notebook(cells, "national-overview")


def cookbook() -> nbformat.NotebookNode:
    section = '''display(HTML(cookbook.section_html(cb, "{name}")))'''
    cells = [
        code(
            '''
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
practice = "surin"     # surin | plan101pro | water | damrongdhama
province_code = "32"   # DOPA code as a string; empty: the national cookbook comparing provinces
fiscal_year = 2570     # พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # empty: reports/<fiscal_year>/<province_code> (or .../national)
''',
            tags=["parameters"],
        ),
        code(
            '''
from IPython.display import HTML, display

from oneplan import charts; from oneplan.reports import cookbook

charts.use_thai_style()
cb = cookbook.build(practice, province_code, fiscal_year, lang, db_path or None,
                    output_dir or None)
display(HTML(cookbook.header_html(cb)))
'''
        ),
    ]
    for name in ("problem", "ingredients", "recipe", "success", "pitfalls", "kpis"):
        cells.append(code(section.format(name=name)))
    cells.append(code(
        '''
if cb.province is None:  # the national cookbook compares the provinces
    display(HTML(cookbook.section_html(cb, "compare")))
    fig = cookbook.comparison_map(cb)
    if fig is not None:
        charts.show(fig, synthetic=cb.synthetic, lang=cb.lang)
'''))
    cells.append(code(section.format(name="source")))
    cells.append(code(
        '''
out = output_dir or cookbook.default_output_dir(province_code, fiscal_year)
summary_path = cookbook.write_summary(cb, out)
''',
        tags=["remove-cell"],
    ))
    return _notebook(cells, "cookbook")


def _section(key: str, body: str, interpret: str) -> nbformat.NotebookNode:
    return code(f'''
display(Markdown(pr.heading("{key}", L)))
{body.strip()}
display(Markdown(pr.{interpret}(run)))
''')


def needs_plan() -> nbformat.NotebookNode:
    """Village needs → provincial plan (Surin One Plan) and the proposals' ranking
    (Plan101Pro), with the governor's overview."""
    cells = [
        _params_cell("32", '"32" Surin, "45" Roi Et',
                     "interactive = True     # weight sliders to re-rank (JupyterLab); batch runs pass False\n"),
        code('''
from functools import partial

from IPython.display import Markdown, display

from oneplan import charts
from oneplan.reports import needs_plan as pr
from oneplan.reports.tables import style

charts.use_thai_style()
run = pr.run_needs_plan(province_code, fiscal_year, lang, db_path or None)
L = run.lang

show = partial(charts.show, synthetic=run.synthetic, lang=L)

display(Markdown(f"# {pr.title_needs(run)}"))
display(Markdown(pr.intro_needs(run)))
'''),
        _section("funnel", """
show(pr.funnel_chart(run))
display(style(pr.funnel_table(run), hide_index=True))
""", "interpret_funnel"),
        _section("classify", """
tables = pr.classification_tables(run)
display(style(tables["authority"], hide_index=True))
display(style(tables["strategy"], hide_index=True))
""", "interpret_classification"),
        _section("silent", """
display(pr.silent_map(run))
display(style(pr.silent_table(run), hide_index=True))
""", "interpret_silent"),
        _section("waiting", """
display(style(pr.waiting_table(run), hide_index=True))
""", "interpret_waiting"),
        _section("ranking", """
display(style(pr.weights_table(run), hide_index=True, decimals=2))
show(pr.contributions_chart(run))
display(style(pr.ranking_table(run), hide_index=True, decimals=3))
""", "interpret_ranking"),
        _section("lacks", """
display(style(pr.documents_table(run), hide_index=True))
display(style(pr.lacking_table(run), hide_index=True))
""", "interpret_documents"),
        _section("sensitivity", """
display(style(pr.sensitivity_table(run), hide_index=True))
""", "interpret_sensitivity"),
        _section("overview", """
tables = pr.overview_tables(run)
display(style(tables["totals"], hide_index=True))
show(pr.overview_chart(run))
display(style(tables["area"], hide_index=True))
display(style(tables["strategy"], hide_index=True))
""", "interpret_overview"),
        code('''
display(Markdown(pr.heading("method", L)))
display(Markdown(pr.method_needs(run)))
'''),
        code('''
# Summary JSON, every table as CSV and XLSX, the full ranking and the OC4IDS package.
paths = pr.export_needs_plan(run, output_dir)
''', tags=["remove-cell"]),
        code('''
# Try other weights: each change re-ranks the proposals and re-checks the sensitivity.
if interactive:
    display(pr.ranking_explorer(run))
''', tags=["remove-cell"]),
    ]
    return _notebook(cells, "needs-plan")


def followup() -> nbformat.NotebookNode:
    """Quarterly follow-up of funded projects (Plan101Pro)."""
    cells = [
        _params_cell("45", '"45" Roi Et, "32" Surin'),
        code('''
from functools import partial

from IPython.display import Markdown, display

from oneplan import charts
from oneplan.reports import followup as pr
from oneplan.reports.tables import style

charts.use_thai_style()
run = pr.run_followup(province_code, fiscal_year, lang, db_path or None)
L = run.lang

show = partial(charts.show, synthetic=run.synthetic, lang=L)

display(Markdown(f"# {pr.title_followup(run)}"))
display(Markdown(pr.intro_followup(run)))
'''),
        _section("disbursement", """
show(pr.disbursement_chart(run))
display(style(pr.disbursement_table(run), hide_index=True))
""", "interpret_disbursement"),
        _section("progress", """
display(style(pr.stage_table(run), hide_index=True))
display(pr.area_map(run))
display(style(pr.area_table(run), hide_index=True))
""", "interpret_area"),
        _section("late", """
display(style(pr.late_table(run), hide_index=True))
""", "interpret_late"),
        _section("stale", """
display(style(pr.stale_table(run), hide_index=True))
""", "interpret_stale"),
        _section("scorecards", """
show(pr.scorecard_chart(run))
display(style(pr.scorecard_table(run), hide_index=True, decimals=1, precise={pr._l("score", L): 3}))
""", "interpret_scorecards"),
        code('''
# Summary JSON, every table as CSV and XLSX, and the status of every followed project.
paths = pr.export_followup(run, output_dir)
''', tags=["remove-cell"]),
    ]
    return _notebook(cells, "followup")


def complaints() -> nbformat.NotebookNode:
    cells = [
        code(
            '''
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "40"   # DOPA code as a string, e.g. "45"; empty string: national view
fiscal_year = 2570     # fiscal year, พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # empty: reports/<fiscal_year>/<province_code> (national: .../national)
export_tables = True   # also write every table as CSV and XLSX (no personal data)
''',
            tags=["parameters"],
        ),
        code(
            '''
from IPython.display import Markdown, display

from oneplan import charts
from oneplan.complaints import stats, tracking
from oneplan.reports import complaints as report
from oneplan.reports.tables import style

charts.use_thai_style()
d = report.open_data(province_code, fiscal_year, db_path, lang)
L = d.lang
display(Markdown(f"# {report.title(d)}"))
display(Markdown(report.intro(d)))
'''
        ),
        code(
            '''
display(Markdown(report.heading("duplicates", L)))
display(Markdown(report.interpret_duplicates(d)))
display(report.chart_agencies_per_matter(d))
display(style(stats.duplicates_table(d), hide_index=True))
'''
        ),
        code(
            '''
display(Markdown(report.heading("tracking", L)))
display(Markdown(report.interpret_tracking(d)))
display(style(tracking.status_table(d.clusters, L), hide_index=True))
display(report.chart_backlog(d))
display(style(report.sla_table(d), hide_index=True))
'''
        ),
        code(
            '''
display(Markdown(report.heading("stats", L)))
display(report.chart_by_category(d))
display(style(stats.ranking(stats.by_category(d), d, top=14), hide_index=True))
display(report.area_map(d))
display(style(stats.ranking(stats.by_district(d), d, top=30), hide_index=True))
display(style(stats.ranking(stats.by_agency(d), d, top=15), hide_index=True))
display(report.chart_by_month(d))
display(style(stats.by_month(d), hide_index=True))
'''
        ),
        code(
            '''
display(Markdown(report.heading("hotspots", L)))
display(style(stats.hotspots(d).head(20), hide_index=True))
display(style(stats.recurring(d), hide_index=True))
'''
        ),
        code(
            '''
display(Markdown(report.heading("method", L)))
display(Markdown(report.method_note(d)))
'''
        ),
        code(
            '''
out = output_dir or report.default_output_dir(d)
summary_path = report.write_summary(d, out, L)
if export_tables:
    stats.export_tables(d, out)
''',
            tags=["remove-cell"],
        ),
    ]
    return _notebook(cells, "complaints")


def main() -> None:
    for name, build in (("water_portfolio", water_portfolio), ("needs_plan", needs_plan),
                        ("followup", followup), ("national_overview", national_overview),
                        ("cookbook", cookbook), ("complaints", complaints)):
        out = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(build(), out)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
