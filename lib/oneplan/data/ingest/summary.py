"""The summary of an import a user reads, Thai line then English line: per file and sheet
the rows read, accepted (new, updated, unchanged) and rejected, the warnings and problems,
the sheets not read and why, the file's accounting (``rows in the file = accepted +
rejected + skipped``, with the reasons) and where the rejects file is."""

from __future__ import annotations

from oneplan.core.text import LANGS, check_lang
from oneplan.data.ingest.messages import Message, message
from oneplan.data.ingest.run import FileResult

MAX_PROBLEMS = 20
"""Problems listed per sheet; the rest are in the rejects file."""


def summary_lines(results: list[FileResult], lang: str = "both") -> list[str]:
    """Human summary: per file and sheet, rows read / accepted (new, updated, unchanged) /
    rejected, warnings, problems, the sheets not read, the file's accounting and the
    rejects file.

    Args:
        lang: ``"th"``, ``"en"`` or ``"both"`` (each Thai line followed by its English one).

    Returns:
        The lines, without line ends.

    Raises:
        AssertionError: the counts do not add up (rows read != accepted + rejected, or rows
            in the file != accepted + rejected + skipped).
    """
    lines = _summary_both(results)
    if lang == "both":
        return lines
    # _summary_both alternates Thai and English lines
    return lines[LANGS.index(check_lang(lang))::2]


def _indented(m: Message) -> list[str]:
    return [f"  {m.th}", f"  {m.en}"]


def _summary_both(results: list[FileResult]) -> list[str]:
    lines = []
    for fr in results:
        if fr.error:
            lines.append(f"✗ {fr.error.file}: {fr.error.th}")
            lines.append(f"  {fr.error.file}: {fr.error.en}")
            continue
        for s in fr.sheets:
            where = f"{s.file}" + (f" [{s.sheet}]" if s.sheet else "")
            if s.read != s.accepted + s.rejected:   # never: rows would have been lost
                raise AssertionError(f"{where}: read {s.read} != accepted {s.accepted} + "
                                     f"rejected {s.rejected}")
            counts = message("data.ingest.summary.counts", read=s.read, accepted=s.accepted,
                             inserted=s.inserted, updated=s.updated, unchanged=s.unchanged,
                             rejected=s.rejected)
            lines.append(f"{'✓' if not s.rejected else '!'} {where} ({s.kind}): {counts.th}")
            lines.append(f"  {counts.en}")
            for th, en in s.warnings:
                lines += _indented(message("data.ingest.summary.warning",
                                           warning=Message(th, en)))
            for p in s.problems[:MAX_PROBLEMS]:
                lines.append(f"  - {p.text('th')}")
                lines.append(f"    {p.text('en')}")
            if len(s.problems) > MAX_PROBLEMS:
                lines += _indented(message("data.ingest.summary.more_problems",
                                           count=len(s.problems) - MAX_PROBLEMS))
        for sk in fr.skipped:
            lines += _indented(message("data.ingest.summary.sheet_not_read", sheet=sk.name,
                                       rows=sk.rows, reason=sk.why))
        lines += _indented(accounting(fr))
        if fr.rejects_path:
            lines += _indented(message("data.ingest.summary.rejects_file",
                                       path=fr.rejects_path))
    return lines


def accounting(fr: FileResult) -> Message:
    """``file x: 21 lines in the file = accepted 5 + rejected 15 + skipped 1 (header
    rows 1)`` in Thai and English.

    Raises:
        AssertionError: the rows do not add up (a bug: rows would have been lost).
    """
    accepted, rejected = fr.total("accepted"), fr.total("rejected")
    by_reason = fr.skipped_by_reason()
    skipped = sum(by_reason.values())
    if fr.lines != accepted + rejected + skipped:
        raise AssertionError(f"{fr.path.name}: {fr.lines} rows != {accepted} + {rejected} + "
                             f"{skipped}")
    parts = [(message(f"data.ingest.skip.{reason}"), n) for reason, n in by_reason.items()]
    detail = Message(*(f" ({', '.join(f'{getattr(m, lang)} {n}' for m, n in parts)})"
                       if parts else "" for lang in LANGS))
    return message("data.ingest.summary.accounting", file=fr.path.name, lines=fr.lines,
                   unit=message(f"data.ingest.unit.{fr.unit}"), accepted=accepted,
                   rejected=rejected, skipped=skipped, detail=detail)
