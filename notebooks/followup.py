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
# Source: `notebooks/followup.py`, a jupytext percent script paired with
# `notebooks/followup.ipynb` (what papermill, the batch and nbval run; committed
# without outputs). Edit either one, then run `make notebooks`
# (`jupytext --sync notebooks/*.py`) so the two agree: `tests/test_notebooks.py`
# fails when they differ.

# %% tags=["parameters"]
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "45"   # DOPA code as a string: "45" Roi Et, "32" Surin, empty for all provinces
fiscal_year = 2570     # fiscal year, พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # summary, CSV/XLSX (and OC4IDS) go here; empty: reports/<fiscal_year>/<province_code>
previous_dir = ""      # the last version's folder (its summary: "what changed"); empty: output_dir

# %%
from functools import partial

from IPython.display import HTML, Markdown, display

from oneplan import charts
from oneplan.reports import document, followup as pr, plan_document as pdoc
from oneplan.reports.plan import output_dir as plan_output_dir
from oneplan.reports.tables import style

charts.use_thai_style()
run = pr.run_followup(province_code, fiscal_year, lang, db_path or None)
L = run.lang

show = partial(charts.show, synthetic=run.synthetic, lang=L)

previous = pdoc.previous(run, "followup", previous_dir or plan_output_dir(run, output_dir))
display(HTML(pdoc.cover(run, "followup")))
display(HTML(pdoc.followup_summary(run, pr.summary_followup(run), previous)))

display(Markdown(f"# {pr.title_followup(run)}"))
display(Markdown(pr.intro_followup(run)))

# %%
display(Markdown(pr.heading("disbursement", L)))
show(pr.disbursement_chart(run))
display(style(pr.disbursement_table(run), hide_index=True))
display(Markdown(pr.interpret_disbursement(run)))

# %%
display(Markdown(pr.heading("progress", L)))
display(style(pr.stage_table(run), hide_index=True))
display(pr.area_map(run))
display(style(pr.area_table(run), hide_index=True))
display(Markdown(pr.interpret_area(run)))

# %%
display(Markdown(pr.heading("late", L)))
display(style(pr.late_table(run), hide_index=True))
display(Markdown(pr.interpret_late(run)))

# %%
display(Markdown(pr.heading("stale", L)))
display(style(pr.stale_table(run), hide_index=True))
display(Markdown(pr.interpret_stale(run)))

# %%
display(Markdown(pr.heading("scorecards", L)))
show(pr.scorecard_chart(run))
display(style(pr.scorecard_table(run), hide_index=True))
display(Markdown(pr.interpret_scorecards(run)))

# %%
display(HTML(document.part("data", L, number=1)))
display(HTML(pdoc.data_appendix(run, "followup")))

# %% tags=["remove-cell"]
# Summary JSON, every table as CSV and XLSX, and the status of every followed project.
paths = pr.export_followup(run, output_dir)
