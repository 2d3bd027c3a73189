"""The national overview's executive summary asks for a decision that fits the data: no
"ask the 0 provinces without a report" when every province has one (seen on p. 2 of the
national report of a full batch)."""

from __future__ import annotations

from types import SimpleNamespace

from oneplan.reports import overview


def _ov(with_reports: int) -> SimpleNamespace:
    totals = {"provinces": 76, "provinces_with_water_report": with_reports,
              "n_candidates": 47281, "requested_baht": 399_435.3e6, "selected_baht": 33_285.8e6,
              "n_selected": 8582, "needs": 89229, "needs_met_share": 0.142,
              "complaints": 63520, "complaints_per_10k": 8.0}
    return SimpleNamespace(totals=totals, lang="th")


def test_every_province_reported_asks_about_the_budget_not_missing_reports():
    html = overview.executive_summary(_ov(76))
    assert "ทุกจังหวัดมีรายงานแผนน้ำแล้ว" in html and "33,285.8 ล้านบาท" in html
    assert "ยังไม่มีรายงานแผนน้ำ 0" not in html


def test_missing_reports_are_asked_for_with_their_number():
    html = overview.executive_summary(_ov(74))
    assert "ยังไม่มีรายงานแผนน้ำ 2 จังหวัด" in html
