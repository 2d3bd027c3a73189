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
# Source: `notebooks/national_overview.py`, a jupytext percent script paired with
# `notebooks/national_overview.ipynb` (what papermill, the batch and nbval run; committed
# without outputs). Edit either one, then run `make notebooks`
# (`jupytext --sync notebooks/*.py`) so the two agree: `tests/test_notebooks.py`
# fails when they differ.

# %% tags=["parameters"]
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
province_code = ""     # national report: always empty (every province)
fiscal_year = 2570     # พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # empty: reports/<fiscal_year>/national (province reports are read beside it)
previous_dir = ""      # the last version's folder (its summary: "what changed"); empty: output_dir

# %%
from IPython.display import HTML, Markdown, display

from oneplan import charts
from oneplan.core.text import text
from oneplan.reports import document, overview

charts.use_thai_style()
L = lang
ov = overview.load(fiscal_year, lang, db_path or None, output_dir or None)
out = output_dir or overview.default_output_dir(ov.fiscal_year)
display(HTML(overview.cover(ov)))
display(HTML(overview.executive_summary(ov, overview.previous(ov, previous_dir or out))))
display(Markdown(f"# {overview.title(L, ov.fiscal_year)}"))
display(Markdown(overview.intro(ov)))

# %%
display(Markdown(overview.heading("totals", L)))
display(overview.styled(overview.totals_table(ov.totals, L)))

# %%
display(Markdown(overview.heading("requested", L)))
fig = overview.requested_vs_selected_chart(ov.figures, L)
charts.show(fig, synthetic=ov.synthetic, lang=L)

# %%
display(Markdown(overview.heading("map", L)))
if ov.figures["baht_per_capita"].notna().any():
    display(overview.choropleth(ov.figures, "baht_per_capita", L))
else:
    display(Markdown(text("charts.style.label.no_data", L)))
display(Markdown(overview.heading("map_complaints", L)))
if ov.figures["complaints_per_10k"].notna().any():
    display(overview.choropleth(ov.figures, "complaints_per_10k", L))
else:
    display(Markdown(text("charts.style.label.no_data", L)))

# %%
display(Markdown(overview.heading("rankings", L)))
for rk in overview.RANKINGS:
    display(Markdown(f"### {overview.label(rk.metric, L)}"))
    display(Markdown(overview.interpret_rankings(ov, rk)))
    table = overview.ranking(ov.figures, rk, L)
    if len(table):
        display(overview.styled(table.head(15)))

# %%
display(Markdown(overview.heading("awards", L)))
display(overview.styled(overview.award_vs_peers(ov.figures, lang=L)))

# %%
display(Markdown(overview.heading("provinces", L)))
display(overview.styled(overview.province_table(ov.figures, L)))

# %%
display(HTML(document.part("method", L, number=1)))
display(Markdown(overview.method_note(L)))

# %%
display(HTML(document.part("data", L, number=2)))
display(HTML(overview.data_appendix(ov)))

# %% tags=["remove-cell"]
summary_path = overview.write_summary(ov, out)
