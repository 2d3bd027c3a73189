"""Is a Thai report in Thai? The automatic check over a report's generated HTML.

:func:`english_leaks` reads every text a reader sees (text nodes, ``<title>``, image
``alt`` and ``title`` attributes; not ``<style>``/``<script>``) and returns a :class:`Leak`
for each

* **identifier** — an ASCII name a program uses: ``snake_case``, ``dotted.module.paths``,
  a ``file.py``, a ``_private`` name;
* **version** — a program's name followed by its version (``oneplan 0.1.0``, ``PuLP
  3.3.2``) as a log line writes it; a Thai report says ``ระบบ oneplan รุ่น 0.1.0``;
* **english** — a word of Latin letters that is not on the allow-list: proper names
  (oneplan, HiGHS, PuLP, OC4IDS, DOPA …), units (km, mm …), codes (anything with a digit,
  ``WP-40-0001``) and the file names of the report's own download links (relative
  ``<a href>`` targets, e.g. ``plan_40_2570.xlsx``).

Skipped: ``<code>`` inside ``<aside class="analyst-note">`` (the cookbooks' boxed
commands for analysts), ``<code class="formula">`` (a formula in a method appendix) and
``<code class="account">`` (an account name from the audit trail, shown as the server
knows it: :func:`oneplan.reports.document.data_origin`).
A report in English (``lang="en"``) has no leaks by definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

ALLOWED_WORDS = frozenset(w.lower() for w in (
    # proper names of the project, its tools and data standards
    "oneplan", "HiGHS", "PuLP", "Splink", "OC4IDS", "OCDS", "DOPA", "geothai", "Jupyter",
    "JupyterLab", "DuckDB", "Chromium", "Python", "Voila", "Voilà", "GitHub",
    "Damrongdhama", "Plan101Pro", "surinoneplan",
    # file formats and kinds the reader downloads
    "Excel", "CSV", "XLSX", "JSON", "PDF", "HTML",
    # units and abbreviations written in Latin letters in Thai documents
    "km", "mm", "cm", "ha", "kWh", "MW", "kg", "GPP", "KPI", "ID", "GIS", "BOQ",
))
"""Latin-letter words a Thai report may show (compared case-insensitively)."""

ALLOWED_PHRASES = ("Excellent Innovation Awards", "Thai Water Plan", "Surin One Plan",
                   "Noto Sans Thai")
"""Proper names of several words (awards, systems, fonts) a Thai report may show."""

_SKIP_CONTENT = frozenset({"style", "script", "head-noscript", "template"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                   "meta", "param", "source", "track", "wbr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

_FILE_NAME = re.compile(r"\b[\w.-]+\.(?:py|ipynb|yml|yaml|csv|xlsx|json|html|pdf|sql)\b",
                        re.IGNORECASE)
_IDENTIFIER = re.compile(
    r"(?<![\w.])(?:"
    r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\(\))?"  # dotted.paths, f()
    r"|_{1,2}[A-Za-z][A-Za-z0-9_]*"                      # _private, __dunder
    r"|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+_?"         # snake_case, UPPER_CASE
    r")(?![\w])")
_VERSION = re.compile(r"(?<!รุ่น )(?<![\w.])([A-Za-z][A-Za-z0-9]*)\s+v?\d+\.\d+(?:\.\d+)*\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")
_CODE_LIKE = re.compile(r"\d")


CHECKED_LANGS = frozenset({"th"})
"""Report languages whose text must not be English (an English report may be)."""


@dataclass(frozen=True)
class Leak:
    """One piece of text that should not be in a Thai report."""

    text: str
    """The offending word or identifier, as shown."""
    kind: str
    """``"identifier"``, ``"version"`` or ``"english"``."""
    where: str
    """Where it is: the nearest heading before it and the element (``h2 › td``)."""
    context: str
    """The text around it (up to 80 characters)."""

    def __str__(self) -> str:
        return f"{self.kind}: {self.text!r} in {self.where}: …{self.context}…"


class _Collector(HTMLParser):
    """Visible texts of an HTML page with their element and the heading above them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.heading = ""
        self.heading_parts: list[str] | None = None
        self.texts: list[tuple[str, str, str]] = []   # (text, element, heading)
        self.links: list[str] = []

    def _skipped(self) -> bool:
        tags = [t for t, _ in self.stack]
        if any(t in _SKIP_CONTENT for t in tags):
            return True
        for i, (tag, attrs) in enumerate(self.stack):
            if tag == "code" and {"formula", "account"} & set(attrs.get("class", "").split()):
                return True
            if tag == "code" and any(t == "aside" and "analyst-note" in a.get("class", "").split()
                                     for t, a in self.stack[:i]):
                return True
        return False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for attr in ("alt", "title"):
            if a.get(attr) and not self._skipped():
                self.texts.append((a[attr], f"{tag}[{attr}]", self.heading))
        if tag in _VOID:
            return
        self.stack.append((tag, a))
        if tag in _HEADINGS:
            self.heading_parts = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in _HEADINGS and self.heading_parts is not None:
            heading = "".join(self.heading_parts).replace("\u00b6", "")
            self.heading = " ".join(heading.split())[:60]
            self.heading_parts = None

    def handle_data(self, data):
        if self.heading_parts is not None:
            self.heading_parts.append(data)
        if not data.strip() or self._skipped():
            return
        element = self.stack[-1][0] if self.stack else "document"
        self.texts.append((data, element, self.heading))


def _own_files(links: Iterable[str]) -> set[str]:
    """File names (and their stems' words) of the relative links of a page."""
    names: set[str] = set()
    for href in links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
        if name:
            names.add(name.lower())
    return names


def _context(text: str, start: int, end: int) -> str:
    flat = " ".join(text.split())
    at = flat.find(text[start:end])
    at = max(at, 0)
    return flat[max(0, at - 35): at + (end - start) + 35]


def english_leaks(html: str, lang: str, *, allow: Iterable[str] = ()) -> list["Leak"]:
    """The identifiers and English words a reader sees in the report ``html`` when ``lang``
    is ``"th"`` (``[]`` for ``"en"``), in page order. ``allow`` adds words or phrases to
    :data:`ALLOWED_WORDS` / :data:`ALLOWED_PHRASES` (compared case-insensitively)."""
    if lang not in CHECKED_LANGS:
        return []
    parser = _Collector()
    parser.feed(html)
    parser.close()
    files = _own_files(parser.links)
    allow = list(allow)
    allowed = ALLOWED_WORDS | {w.lower() for w in allow if " " not in w.strip()}
    phrases = re.compile("|".join(re.escape(p) for p in (
        *ALLOWED_PHRASES, *(w.strip() for w in allow if " " in w.strip()))), re.IGNORECASE)
    leaks: list[Leak] = []
    for raw, element, heading in parser.texts:
        where = f"{heading or '(top)'} › {element}"
        text = raw
        masked = list(text)

        def mask(m: re.Match) -> None:
            masked[m.start():m.end()] = " " * (m.end() - m.start())

        for m in phrases.finditer(text):
            mask(m)
        for m in _FILE_NAME.finditer(text):
            if m.group(0).lower() not in files:
                leaks.append(Leak(m.group(0), "identifier", where,
                                  _context(text, m.start(), m.end())))
            mask(m)
        for m in _VERSION.finditer("".join(masked)):
            leaks.append(Leak(m.group(0), "version", where,
                              _context(text, m.start(), m.end())))
        for m in _IDENTIFIER.finditer("".join(masked)):
            leaks.append(Leak(m.group(0), "identifier", where,
                              _context(text, m.start(), m.end())))
            mask(m)
        for m in _WORD.finditer("".join(masked)):
            word = m.group(0).strip("'’-")
            if len(word) < 2 or _CODE_LIKE.search(word) or word.lower() in allowed:
                continue
            if "-" in word and all(p.lower() in allowed or _CODE_LIKE.search(p) or len(p) < 2
                                   for p in word.split("-")):
                continue
            leaks.append(Leak(word, "english", where, _context(text, m.start(), m.end())))
    return leaks
