"""Charts: one Thai matplotlib style (:mod:`.style`), the water plan's charts (:mod:`.water`),
the needs and follow-up charts (:mod:`.plan`) and maps (:mod:`.maps`).

Each chart is a function of a DataFrame and the report language that returns a matplotlib
``Figure``. The names below are what other parts use; ``charts.plan`` and ``charts.maps``
are imported as modules.
"""

from oneplan.charts.style import (NOT_SELECTED_COLOUR, PALETTE, SELECTED_COLOUR, TEXT, million_tick,
                                  new_figure, show, synthetic_watermark, use_thai_style)
from oneplan.charts.water import COMPARE_TEXT, benefit_vs_cost, budget_by_district, frontier_chart, scenario_chart

__all__ = ["COMPARE_TEXT", "NOT_SELECTED_COLOUR", "PALETTE", "SELECTED_COLOUR", "TEXT",
           "benefit_vs_cost", "budget_by_district", "frontier_chart", "million_tick", "new_figure",
           "scenario_chart", "show", "synthetic_watermark", "use_thai_style"]
