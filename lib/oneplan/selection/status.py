"""A solver's status in words a reader understands (``selection/text/status.yml``):
"ดีที่สุด (พิสูจน์แล้ว)", "ดีที่สุดภายใน 0.01 %", "หยุดเพราะครบเวลา" — never "optimal" for a
solve that was not proven, never the engine's own code word."""

from __future__ import annotations

from oneplan.core.text import check_lang, text, texts


def status_words(status: str, lang: str = "th", *, mip_rel_gap: float | None = None) -> str:
    """``status`` (``optimal``, ``time_limit`` …, :mod:`oneplan.selection.highs`) in words
    of ``lang``; an ``optimal`` solve with a relative gap tolerance ``mip_rel_gap`` > 0 is
    "optimal within" that tolerance in percent."""
    check_lang(lang)
    if status == "optimal" and mip_rel_gap:
        return text("selection.status.word.optimal_within", lang, tol=round(mip_rel_gap * 100, 6))
    words = texts("selection.status.word", lang)
    if status in words and status not in ("other", "gap", "optimal_within"):
        return words[status]
    return text("selection.status.word.other", lang, status=status)


def gap_words(gap: float | None, lang: str = "th") -> str:
    """The relative gap of a solve in words (``""`` when there is none)."""
    if gap is None:
        return ""
    return text("selection.status.word.gap", lang, gap=f"{gap * 100:.2f} %")
