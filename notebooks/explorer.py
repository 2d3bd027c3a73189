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

# %% tags=["parameters"]
# The planner's explorer without code: `oneplan app` serves this notebook with Voilà, which
# shows only the outputs (a province picker, the sliders and what changed); in JupyterLab
# it runs as it is. Source: `notebooks/explorer.py`, a jupytext percent script paired with
# `notebooks/explorer.ipynb` (`make notebooks` keeps them in step).
# Parameters (empty: the page's ?province=45, or what `oneplan app` was given, or "40").
province_code = ""     # DOPA code as a string, e.g. "40" Khon Kaen
fiscal_year = 0        # first fiscal year of the plan, พ.ศ.; 0: the params' year
lang = ""              # "th" or "en"; empty: Thai
db_path = ""           # empty: $ONEPLAN_DB or data/oneplan.duckdb

# %%
from IPython.display import display

from oneplan import charts
from oneplan.reports import explorer

charts.use_thai_style()
display(explorer.thai_font_css())
settings = explorer.app_settings(province_code, fiscal_year, lang)
display(explorer.app(db_path=db_path or None, **settings))
