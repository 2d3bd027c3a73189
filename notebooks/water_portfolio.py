# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# Source: `notebooks/water_portfolio.py`, a jupytext percent script paired with
# `notebooks/water_portfolio.ipynb` (what papermill, the batch and nbval run; committed
# without outputs). Edit either one, then run `make notebooks`
# (`jupytext --sync notebooks/*.py`) so the two agree: `tests/test_notebooks.py`
# fails when they differ.

# %% tags=["parameters"]
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "40"   # DOPA code as a string: "40" Khon Kaen, "45" Roi Et, "32" Surin
fiscal_year = 2570     # first fiscal year of the plan, พ.ศ.
scenario = ""          # a file in params/scenarios/ without .yml, e.g. drought-first
output_dir = ""        # where summary.json and the XLSX go; empty: reports/<fiscal_year>/<province_code>,
                       # or nothing at all in an interactive run (JupyterLab)
previous_dir = ""      # the last version's folder (its summary: "what changed"); empty: output_dir
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
interactive = True     # sliders to re-solve (JupyterLab); batch runs pass False

# %%
from IPython.display import HTML, Markdown, display

from oneplan import charts
from oneplan.reports import document, water as waterplan, water_document as wdoc
from oneplan.core.paths import default_reports_dir
from oneplan.reports.tables import name_column, style
from oneplan.reports.explorer import explorer, thai_font_css

charts.use_thai_style()
if interactive:  # the Thai font for notebook output, on a machine without Thai fonts
    display(thai_font_css())
run = waterplan.run_portfolio(province_code, fiscal_year, scenario, db_path or None, lang)
L = run.lang
out = output_dir or default_reports_dir() / str(run.params.fiscal_year) / run.province.code
display(HTML(wdoc.cover(run)))
display(HTML(wdoc.executive_summary(run, wdoc.previous_summary(previous_dir or out, run))))
display(Markdown(f"# {waterplan.title(run)}"))
display(Markdown(waterplan.intro(run)))

# %%
display(Markdown(waterplan.heading("need", L)))
need = waterplan.need_tables(run)
display(style(need["zones"], hide_index=True))
display(waterplan.need_map(run))
display(Markdown(waterplan.interpret_need(run)))

# %%
display(Markdown(waterplan.heading("candidates", L)))
display(style(waterplan.candidates_by_type(run)))
display(Markdown(waterplan.interpret_candidates(run)))

# %%
display(Markdown(waterplan.heading("selection", L)))
display(Markdown(waterplan.interpret_selection(run)))
display(style(waterplan.spend_by_year(run), hide_index=True))

# %%
display(Markdown(waterplan.heading("districts", L)))
fig = charts.budget_by_district(run.selected, lang=L,
                                district_col=name_column("district", L))
charts.show(fig, synthetic=run.synthetic, lang=L)
display(waterplan.district_map(run))
display(style(waterplan.budget_by_district(run)))
display(style(waterplan.budget_by_basin(run), hide_index=True))
display(Markdown(waterplan.interpret_districts(run)))

# %%
display(Markdown(waterplan.heading("scatter", L)))
fig = charts.benefit_vs_cost(run.candidates, lang=L)
charts.show(fig, synthetic=run.synthetic, lang=L)
display(Markdown(waterplan.interpret_scatter(run)))

# %%
reasons = waterplan.reasons(run)
display(Markdown(waterplan.heading("table", L)))
display(style(waterplan.selected_table(run, reasons)))
display(Markdown(waterplan.heading("reasons", L)))
display(Markdown(waterplan.interpret_reasons(run)))
display(style(waterplan.reasons_summary(run)))
display(style(waterplan.closest_misses(run)))

# %%
display(Markdown(waterplan.heading("frontier", L)))
fig = charts.frontier_chart(waterplan.frontier(run), lang=L)
charts.show(fig, synthetic=run.synthetic, lang=L)
display(style(waterplan.frontier_table(run), hide_index=True))
display(Markdown(waterplan.interpret_frontier(run)))

# %%
display(Markdown(waterplan.heading("scenarios", L)))
fig = charts.scenario_chart(waterplan.scenarios(run), lang=L)
charts.show(fig, synthetic=run.synthetic, lang=L)
display(style(waterplan.scenarios_table(run)))
display(Markdown(waterplan.interpret_scenarios(run)))

# %%
display(Markdown(waterplan.heading("methods", L)))
display(style(waterplan.methods_table(run)))
display(Markdown(waterplan.interpret_methods(run)))

# %%
display(Markdown(waterplan.heading("revision", L)))
rev = waterplan.revision(run, months=6)
display(Markdown(rev.summary(L)))
display(style(rev.table(L).head(30), hide_index=True))

# %%
display(HTML(document.part("method", L, number=1)))
display(style(waterplan.weights_table(run), hide_index=True))
display(Markdown(waterplan.method_note(run)))

# %%
display(HTML(document.part("data", L, number=2)))
display(HTML(wdoc.data_appendix(run)))

# %% tags=["remove-cell"]
# Only the batch writes summary.json and the XLSX (it passes output_dir and
# interactive=False): opening the notebook in JupyterLab writes nothing into reports/.
if output_dir or not interactive:
    summary_path = waterplan.write_summary(run, out)
    xlsx_path = waterplan.export_plan_xlsx(run, out)

# %% tags=["remove-cell"]
# Try other budgets and weights: each change re-scores and re-solves the province and
# shows what changed against the previous plan and the report's plan.
if interactive:
    display(explorer(run))
