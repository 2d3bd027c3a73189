"""Regenerate the thin notebooks in notebooks/ (run: python tools/make_notebooks.py).

Notebooks are written without outputs; edit this file, not the .ipynb, so diffs stay small.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

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

from oneplan import charts, waterplan
from oneplan.paths import default_reports_dir
from oneplan.tables import style

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
if run.synthetic:
    charts.synthetic_watermark(fig, L)
display(fig)
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
if run.synthetic:
    charts.synthetic_watermark(fig, L)
display(fig)
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
if run.synthetic:
    charts.synthetic_watermark(fig, L)
display(fig)
display(style(waterplan.frontier_table(run), hide_index=True, decimals=2))
display(Markdown(waterplan.interpret_frontier(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("scenarios", L)))
fig = charts.scenario_chart(waterplan.scenarios(run), lang=L)
if run.synthetic:
    charts.synthetic_watermark(fig, L)
display(fig)
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
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


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
from oneplan.complaints import report, stats, tracking
from oneplan.tables import style

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
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    out = ROOT / "notebooks" / "water_portfolio.ipynb"
    nbformat.write(water_portfolio(), out)
    print(f"wrote {out}")
    out = ROOT / "notebooks" / "complaints.ipynb"
    nbformat.write(complaints(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
