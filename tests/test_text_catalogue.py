"""The text catalogue (``lib/oneplan/<part>/text/*.yml``): every entry in Thai and English
with the same placeholders, every key a module asks for exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from oneplan.core import text as catalogue

LIB = Path(__file__).resolve().parents[1] / "lib" / "oneplan"
FILES = sorted(LIB.glob("*/text/*.yml"))


def test_there_is_a_catalogue():
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_entry_has_both_languages_and_the_same_placeholders(path):
    part, topic = path.parent.parent.name, path.stem
    entries = catalogue.entries(part, topic)
    assert entries, path
    for key, entry in entries.items():
        th, en = entry["th"], entry["en"]
        assert isinstance(th, str) and th.strip(), f"{key}: empty Thai"
        assert isinstance(en, str) and en.strip(), f"{key}: empty English"
        assert catalogue.placeholders(th) == catalogue.placeholders(en), key


def test_every_key_asked_for_exists():
    """Literal keys in ``text("…")``/``texts("…")`` calls resolve (a typo fails here, not in
    a report)."""
    missing = []
    for path in sorted(LIB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                    and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
                    in ("text", "texts") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and node.args[0].value.count(".") >= 2):
                key = node.args[0].value
                fn = catalogue.text if (getattr(node.func, "id", None)
                                        or node.func.attr) == "text" else catalogue.texts
                try:
                    fn(key, "th")
                except KeyError as exc:
                    missing.append(f"{path.relative_to(LIB)}:{node.lineno} {exc}")
    assert not missing, "\n".join(missing)


def test_unknown_key_and_language_are_clear_errors():
    with pytest.raises(catalogue.TextKeyError, match="labels.yml has no 'nope'"):
        catalogue.text("core.labels.nope")
    with pytest.raises(ValueError, match="lang must be one of th, en"):
        catalogue.text("core.labels.synthetic_note", "fr")
    assert catalogue.text("core.labels.synthetic_note") == "ข้อมูลตัวอย่างสังเคราะห์ ไม่ใช่ข้อมูลจริง"


# A lookup keyed by language that is data, not a sentence (number of year digits).
LANGUAGE_DATA = {"complaints/stats.py": 'YEAR_DIGITS = {"th": 2, "en": 4}',
                 "batch/registry.py": 'names = {"th": prov.name_th, "en": prov.name_en}'}
BRANCHING = re.compile(r"""(lang|L)\s*[!=]=\s*["'](th|en)["']|\bif th else\b|\bth = (lang|L)\b"""
                       r"""|\{\s*["']th["']\s*:|\b0 if (lang|L)\b""")


def test_no_module_branches_on_the_language():
    """User-facing text comes from the catalogue, never from ``if lang == "th"``."""
    found = []
    for path in sorted(LIB.rglob("*.py")):
        if path.name == "text.py" and path.parent.name == "core":
            continue
        rel = path.relative_to(LIB).as_posix()
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if BRANCHING.search(line) and LANGUAGE_DATA.get(rel, "\0") not in line:
                found.append(f"{rel}:{no}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_branching_scan_finds_a_branch():
    assert BRANCHING.search('title = "ชื่อ" if lang == "th" else "name"')
    assert BRANCHING.search('x = "ก" if th else "a"')
    assert not BRANCHING.search('title = text("reports.water.title", lang)')
