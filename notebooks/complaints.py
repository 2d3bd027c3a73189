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
# Source: `notebooks/complaints.py`, a jupytext percent script paired with
# `notebooks/complaints.ipynb` (what papermill, the batch and nbval run; committed
# without outputs). Edit either one, then run `make notebooks`
# (`jupytext --sync notebooks/*.py`) so the two agree: `tests/test_notebooks.py`
# fails when they differ.

# %% tags=["parameters"]
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = "40"   # DOPA code as a string, e.g. "45"; empty string: national view
fiscal_year = 2570     # fiscal year, พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # empty: reports/<fiscal_year>/<province_code> (national: .../national)
previous_dir = ""      # the last version's folder (its summary: "what changed"); empty: output_dir
export_tables = True   # also write every table as CSV and XLSX (no personal data)

# %%
from IPython.display import HTML, Markdown, display

from oneplan import charts
from oneplan.complaints import stats, tracking
from oneplan.reports import complaints as report, document
from oneplan.reports.tables import style

charts.use_thai_style()
d = report.open_data(province_code, fiscal_year, db_path, lang)
L = d.lang
out = output_dir or report.default_output_dir(d)
display(HTML(report.cover(d)))
display(HTML(report.executive_summary(d, report.previous(d, previous_dir or out))))
display(Markdown(f"# {report.title(d)}"))
display(Markdown(report.intro(d)))

# %%
display(Markdown(report.heading("duplicates", L)))
display(Markdown(report.interpret_duplicates(d)))
display(HTML(report.review_note_html(d)))
display(report.chart_agencies_per_matter(d))
display(style(stats.duplicates_table(d), hide_index=True))

# %%
display(Markdown(report.heading("tracking", L)))
display(Markdown(report.interpret_tracking(d)))
display(style(tracking.status_table(d.clusters, L), hide_index=True))
display(report.chart_backlog(d))
display(style(report.sla_table(d), hide_index=True))

# %%
display(Markdown(report.heading("stats", L)))
display(report.chart_by_category(d))
display(style(report.category_table(d), hide_index=True))
display(report.area_map(d))
display(style(stats.ranking(stats.by_district(d), d, top=30), hide_index=True))
display(style(stats.ranking(stats.by_agency(d), d, top=15), hide_index=True))
display(report.chart_by_month(d))
display(style(stats.by_month(d), hide_index=True))

# %%
display(Markdown(report.heading("hotspots", L)))
display(style(stats.hotspots(d).head(20), hide_index=True))
display(style(stats.recurring(d), hide_index=True))

# %%
display(HTML(document.part("method", L, number=1)))
display(Markdown(report.method_note(d)))

# %%
display(HTML(document.part("data", L, number=2)))
display(HTML(report.data_appendix(d)))

# %% tags=["remove-cell"]
summary_path = report.write_summary(d, out, L)
if export_tables:
    stats.export_tables(d, out)
