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
# Source: `notebooks/cookbook.py`, a jupytext percent script paired with
# `notebooks/cookbook.ipynb` (what papermill, the batch and nbval run; committed
# without outputs). Edit either one, then run `make notebooks`
# (`jupytext --sync notebooks/*.py`) so the two agree: `tests/test_notebooks.py`
# fails when they differ.

# %% tags=["parameters"]
# Parameters (papermill replaces this cell; the defaults run as-is in JupyterLab).
practice = "surin"     # surin | plan101pro | water | damrongdhama
province_code = "32"   # DOPA code as a string; empty: the national cookbook comparing provinces
fiscal_year = 2570     # พ.ศ.
lang = "th"            # "th" or "en"
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb
output_dir = ""        # empty: reports/<fiscal_year>/<province_code> (or .../national)

# %%
from IPython.display import HTML, display

from oneplan import charts
from oneplan.reports import cookbook

charts.use_thai_style()
cb = cookbook.build(practice, province_code, fiscal_year, lang, db_path or None,
                    output_dir or None)
display(HTML(cookbook.front_html(cb)))  # cover page and executive summary

# %%
display(HTML(cookbook.header_html(cb)))

# %%
display(HTML(cookbook.section_html(cb, "problem")))

# %%
display(HTML(cookbook.section_html(cb, "ingredients")))

# %%
display(HTML(cookbook.section_html(cb, "recipe")))

# %%
display(HTML(cookbook.section_html(cb, "success")))

# %%
display(HTML(cookbook.section_html(cb, "pitfalls")))

# %%
display(HTML(cookbook.section_html(cb, "kpis")))

# %%
if cb.province is None:  # the national cookbook compares the provinces
    display(HTML(cookbook.section_html(cb, "compare")))
    fig = cookbook.comparison_map(cb)
    if fig is not None:
        charts.show(fig, synthetic=cb.synthetic, lang=cb.lang)

# %%
display(HTML(cookbook.section_html(cb, "source")))

# %% tags=["remove-cell"]
out = output_dir or cookbook.default_output_dir(province_code, fiscal_year)
summary_path = cookbook.write_summary(cb, out)
