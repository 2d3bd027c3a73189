"""The import's messages in both languages: every problem, warning and file error carries
its Thai and its English text (``lib/oneplan/data/text/ingest.yml``), because the summary,
the rejects file and the cell comments show both."""

from __future__ import annotations

from typing import Any, NamedTuple

from oneplan.core.text import LANGS, text


class Message(NamedTuple):
    """A text in Thai and in English (a plain ``(th, en)`` tuple)."""

    th: str
    en: str


def message(key: str, /, **fields: Any) -> Message:
    """The catalogue text ``key`` in both languages, with ``fields`` filled in.

    A field given as a :class:`Message` is filled in per language: its Thai text in the
    Thai message, its English text in the English one. A field that one language leaves
    out is given to it empty (``Message("", detail)``).
    """
    return Message(*(text(key, lang, **{name: getattr(value, lang)
                                        if isinstance(value, Message) else value
                                        for name, value in fields.items()})
                     for lang in LANGS))
