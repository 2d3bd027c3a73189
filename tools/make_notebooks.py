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
fiscal_year = 2570     # ปีงบประมาณ พ.ศ.
scenario = ""          # a file in params/scenarios/ without .yml, e.g. drought-first
output_dir = ""        # where summary.json goes; empty: reports/<fiscal_year>/<province_code>
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
''',
            tags=["parameters"],
        ),
        code(
            '''
from IPython.display import Markdown, display

from oneplan import charts, waterplan
from oneplan.paths import default_reports_dir

charts.use_thai_style()
run = waterplan.run_portfolio(province_code, fiscal_year, scenario, db_path or None, lang)
display(Markdown(f"# {waterplan.title(run)}"))
display(Markdown(waterplan.intro(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("candidates", run.lang)))
display(waterplan.candidates_by_type(run))
display(Markdown(waterplan.interpret_candidates(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("selection", run.lang)))
display(Markdown(waterplan.interpret_selection(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("districts", run.lang)))
fig = charts.budget_by_district(run.selected, lang=run.lang,
                                district_col="district_name" if run.lang == "th" else "district_name_en")
if run.synthetic:
    charts.synthetic_watermark(fig, run.lang)
display(fig)
display(waterplan.district_map(run))
display(waterplan.budget_by_district(run))
display(Markdown(waterplan.interpret_districts(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("scatter", run.lang)))
fig = charts.benefit_vs_cost(run.candidates, lang=run.lang)
if run.synthetic:
    charts.synthetic_watermark(fig, run.lang)
display(fig)
display(Markdown(waterplan.interpret_scatter(run)))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("table", run.lang)))
display(waterplan.selected_table(run))
'''
        ),
        code(
            '''
display(Markdown(waterplan.heading("method", run.lang)))
display(waterplan.weights_table(run))
display(Markdown(waterplan.method_note(run)))
'''
        ),
        code(
            '''
out = output_dir or default_reports_dir() / str(run.params.fiscal_year) / run.province.code
summary_path = waterplan.write_summary(run, out)
'''
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


if __name__ == "__main__":
    main()
