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
# Source: `notebooks/needs_plan.py`, a jupytext percent script paired with
# `notebooks/needs_plan.ipynb` (what papermill, the batch and nbval run; committed
# without outputs). Edit either one, then run `make notebooks`
# (`jupytext --sync notebooks/*.py`) so the two agree: `tests/test_notebooks.py`
# fails when they differ.

# %% tags=["parameters"]
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "32"   # DOPA code as a string: "32" Surin, "45" Roi Et, empty for all provinces
fiscal_year = 2570     # fiscal year, พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # summary, CSV/XLSX (and OC4IDS) go here; empty: reports/<fiscal_year>/<province_code>
previous_dir = ""      # the last version's folder (its summary: "what changed"); empty: output_dir
interactive = True     # weight sliders to re-rank (JupyterLab); batch runs pass False

# %%
from functools import partial

from IPython.display import HTML, Markdown, display

from oneplan import charts
from oneplan.reports import document, needs_plan as pr, plan_document as pdoc
from oneplan.reports.plan import output_dir as plan_output_dir
from oneplan.reports.tables import style

charts.use_thai_style()
run = pr.run_needs_plan(province_code, fiscal_year, lang, db_path or None)
L = run.lang

show = partial(charts.show, synthetic=run.synthetic, lang=L)

previous = pdoc.previous(run, "needs_plan", previous_dir or plan_output_dir(run, output_dir))
display(HTML(pdoc.cover(run, "needs_plan")))
display(HTML(pdoc.needs_summary(run, pr.summary_needs(run), previous)))
display(Markdown(f"# {pr.title_needs(run)}"))
display(Markdown(pr.intro_needs(run)))

# %%
display(Markdown(pr.heading("overview", L)))
tables = pr.overview_tables(run)
display(style(tables["totals"], hide_index=True))
show(pr.overview_chart(run))
display(style(tables["area"], hide_index=True))
display(style(tables["strategy"], hide_index=True))
display(Markdown(pr.interpret_overview(run)))

# %%
display(Markdown(pr.heading("funnel", L)))
show(pr.funnel_chart(run))
display(style(pr.funnel_table(run), hide_index=True))
display(Markdown(pr.interpret_funnel(run)))

# %%
display(Markdown(pr.heading("classify", L)))
tables = pr.classification_tables(run)
display(style(tables["authority"], hide_index=True))
display(style(tables["strategy"], hide_index=True))
display(Markdown(pr.interpret_classification(run)))

# %%
display(Markdown(pr.heading("silent", L)))
display(pr.silent_map(run))
display(style(pr.silent_table(run), hide_index=True))
display(Markdown(pr.interpret_silent(run)))

# %%
display(Markdown(pr.heading("waiting", L)))
display(style(pr.waiting_table(run), hide_index=True))
display(Markdown(pr.interpret_waiting(run)))

# %%
display(Markdown(pr.heading("ranking", L)))
display(style(pr.weights_table(run), hide_index=True))
show(pr.contributions_chart(run))
display(style(pr.ranking_table(run), hide_index=True))
display(Markdown(pr.interpret_ranking(run)))

# %%
display(Markdown(pr.heading("lacks", L)))
display(style(pr.documents_table(run), hide_index=True))
display(style(pr.lacking_table(run), hide_index=True))
display(Markdown(pr.interpret_documents(run)))

# %%
display(Markdown(pr.heading("sensitivity", L)))
display(style(pr.sensitivity_table(run), hide_index=True))
display(Markdown(pr.interpret_sensitivity(run)))

# %%
display(HTML(document.part("method", L, number=1)))
display(Markdown(pr.method_needs(run)))
display(HTML(pdoc.formulas(L)))

# %%
display(HTML(document.part("data", L, number=2)))
display(HTML(pdoc.data_appendix(run, "needs_plan")))

# %% tags=["remove-cell"]
# Summary JSON, every table as CSV and XLSX, the full ranking and the OC4IDS package.
paths = pr.export_needs_plan(run, output_dir)

# %% tags=["remove-cell"]
# Try other weights: each change re-ranks the proposals and re-checks the sensitivity.
if interactive:
    display(pr.ranking_explorer(run))
