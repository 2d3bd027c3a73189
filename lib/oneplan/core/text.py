"""User-facing text in one catalogue: Thai is the source language, English the translation.

Every sentence, heading, label and message a user reads lives in a YAML file beside the
part that shows it, ``lib/oneplan/<part>/text/<topic>.yml``, and is looked up by key with
:func:`text`. A key names the part, the file and the path inside it::

    text("reports.water.heading.need", "en")        # lib/oneplan/reports/text/water.yml
    text("selection.reasons.over_budget", "th", cost="1.2")

Each entry holds both languages, Thai first::

    heading:
      need:
        th: "## ความต้องการน้ำ"
        en: "## Water need"

Placeholders are ``str.format`` fields (``{cost}``) and must be the same in both languages
(``tests/test_text_catalogue.py`` checks every file). A module never branches on the
language itself: it asks the catalogue.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

import yaml

LANGS = ("th", "en")
"""Report languages: Thai (the default and the source) and English."""


class TextKeyError(KeyError):
    """A catalogue key that does not exist (the file and the path are named)."""


def check_lang(lang: str) -> str:
    """``lang`` if it is a report language (``th`` or ``en``); ``ValueError`` otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


@lru_cache(maxsize=None)
def catalogue(part: str, topic: str) -> Mapping[str, Any]:
    """The parsed catalogue file ``lib/oneplan/<part>/text/<topic>.yml``."""
    try:
        raw = resources.files(f"oneplan.{part}").joinpath("text", f"{topic}.yml").read_text(
            encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        raise TextKeyError(f"no text catalogue lib/oneplan/{part}/text/{topic}.yml") from None
    data = yaml.safe_load(raw) or {}
    if not isinstance(data, dict):
        raise TextKeyError(f"lib/oneplan/{part}/text/{topic}.yml is not a mapping")
    return data


def _is_entry(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == set(LANGS)


def _node(key: str) -> Any:
    parts = key.split(".")
    if len(parts) < 3:
        raise TextKeyError(f"text key {key!r} must be <part>.<topic>.<name>")
    node: Any = catalogue(parts[0], parts[1])
    for i, name in enumerate(parts[2:], start=2):
        if not isinstance(node, dict) or _is_entry(node) or name not in node:
            raise TextKeyError(f"no text {key!r} (lib/oneplan/{parts[0]}/text/{parts[1]}.yml "
                               f"has no {'.'.join(parts[2:i + 1])!r})")
        node = node[name]
    return node


def text(key: str, lang: str = "th", /, **fields: Any) -> str:
    """The text of ``key`` in ``lang``, with ``fields`` filled in (``str.format``).

    Raises:
        TextKeyError: no such key, or the key names a group rather than one text.
        ValueError: ``lang`` is not ``th`` or ``en``.
    """
    node = _node(key)
    if not _is_entry(node):
        raise TextKeyError(f"text key {key!r} is a group, not one text")
    value = str(node[check_lang(lang)])
    return value.format(**fields) if fields else value


def texts(prefix: str, lang: str = "th") -> dict[str, str]:
    """Every text directly under ``prefix`` as ``{name: text}`` in ``lang`` (for column
    headings, vocabularies and other lookups that are naturally a mapping)."""
    node = _node(prefix)
    if not isinstance(node, dict) or _is_entry(node):
        raise TextKeyError(f"text key {prefix!r} is one text, not a group")
    check_lang(lang)
    return {name: str(entry[lang]) for name, entry in node.items() if _is_entry(entry)}


def pairs(prefix: str) -> dict[str, tuple[str, str]]:
    """Every text directly under ``prefix`` as ``{name: (Thai, English)}``, in file order
    (for vocabularies and labels kept as pairs)."""
    th, en = texts(prefix, "th"), texts(prefix, "en")
    return {name: (th[name], en[name]) for name in th}


def entries(part: str, topic: str) -> dict[str, Mapping[str, str]]:
    """Every entry of one catalogue file as ``{dotted key: {"th": …, "en": …}}`` (for checks)."""
    out: dict[str, Mapping[str, str]] = {}

    def walk(node: Any, path: list[str]) -> None:
        if _is_entry(node):
            out[".".join([part, topic, *path])] = node
        elif isinstance(node, dict):
            for name, child in node.items():
                walk(child, [*path, str(name)])
        else:
            raise TextKeyError(f"lib/oneplan/{part}/text/{topic}.yml: "
                               f"{'.'.join(path)!r} is neither a group nor a th/en entry")

    walk(catalogue(part, topic), [])
    return out


def placeholders(template: str) -> set[str]:
    """The ``str.format`` field names in ``template``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
