"""Charts: one Thai matplotlib style (:mod:`.style`), the water plan's charts (:mod:`.water`),
the needs and follow-up charts (:mod:`.plan`) and maps (:mod:`.maps`); their labels are in
the catalogue ``charts/text/*.yml``.

Each chart is a function of a DataFrame and the report language that returns a matplotlib
``Figure``. The names below are what other parts use; ``charts.plan`` and ``charts.maps``
are imported as modules.
"""

from oneplan.charts.style import (NOT_SELECTED_COLOUR, PALETTE, SELECTED_COLOUR,
                                  million_tick, new_figure, no_data, show, synthetic_watermark,
                                  use_thai_style)
from oneplan.charts import check
from oneplan.charts.water import (benefit_vs_cost, budget_by_district, frontier_chart,
                                  scenario_changes, scenario_chart)

__all__ = ["NOT_SELECTED_COLOUR", "PALETTE", "SELECTED_COLOUR", "benefit_vs_cost",
           "budget_by_district", "frontier_chart", "million_tick", "new_figure", "no_data",
           "scenario_changes", "scenario_chart", "show", "synthetic_watermark", "use_thai_style",
           "check"]
