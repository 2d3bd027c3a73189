"""Labels shared by several parts, from the text catalogue (``core/text/labels.yml``): the
synthetic-data mark every report and export carries, and the names of the scenarios."""

from __future__ import annotations

from oneplan.core.text import pairs, text

SYNTHETIC_NOTE_TH = text("core.labels.synthetic_note", "th")
"""The synthetic-data mark in Thai."""

SYNTHETIC_NOTE_EN = text("core.labels.synthetic_note", "en")
"""The synthetic-data mark in English."""

SCENARIO_LABELS: dict[str, tuple[str, str]] = pairs("core.labels.scenario")
"""Scenario file name → (Thai label, English label)."""
