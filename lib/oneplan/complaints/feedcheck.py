"""``oneplan complaints check FILE --feed X``: a dry run of one feed file that writes
nothing (no database, no rejects file, no salt file) and says how it would be read: every
column (header -> field, or not used), five example rows with personal data masked, and
the counts that would be stored, flagged or set aside. Words from
``complaints/text/check.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from oneplan.core import thai
from oneplan.core.text import text
from oneplan.complaints.feeds import AdaptResult, Feed, adapt, read_feed_file
from oneplan.complaints.feedspec import Registry
from oneplan.complaints.privacy import mask_frame, mask_text

DRY_RUN_KEY = b"oneplan complaints check: dry run, hashes thrown away"
"""The salt of a dry run: its hashes are never stored, so the real salt is not needed
(and no salt file is created)."""

EXIT_ALL_STORED = 0
EXIT_SOME_SET_ASIDE = 1


@dataclass
class CheckReport:
    """A dry run's result: the adapted file, and the lines to print."""

    result: AdaptResult
    lines: list[str]

    @property
    def exit_code(self) -> int:
        """0 when every row would be stored (or skipped as blank/repeated), 1 when some
        would be set aside."""
        return EXIT_SOME_SET_ASIDE if len(self.result.setaside) else EXIT_ALL_STORED


def _t(key: str, lang: str, **fields) -> str:
    return text(f"complaints.check.{key}", lang, **fields)


def _date(v, lang: str) -> str:
    return "-" if pd.isna(v) else thai.format_date(pd.Timestamp(v), lang, "short")


def check_file(path: str | Path, feed: Feed, reg: Registry, *, lang: str = "th",
               examples: int = 5) -> CheckReport:
    """Read ``path`` as ``feed`` without writing anything.

    Raises:
        FeedError: the file cannot be read as the feed (encoding, a required column).
    """
    path = Path(path)
    frame = read_feed_file(path, feed)
    res = adapt(frame, feed, source_file=path.name, source_sheet=feed.sheet,
                strict_columns=False, key=DRY_RUN_KEY)
    out = [_t("title", lang, file=path.name, feed=feed.agency_id, name=feed.full_name(lang),
              rows=f"{res.rows_read:,}"), _t("columns", lang)]
    by_header = {h: f for f, h in res.columns.items()}
    for h in frame.columns:
        fld = by_header.get(str(h))
        out.append(f"  {mask_text(str(h))} -> "
                   + (fld if fld else _t("not_used", lang)))
    for fld, h in feed.columns.items():
        if fld not in res.columns:
            out.append("  " + _t("missing", lang, field=fld, header=h))
    out.append(_t("examples", lang, n=min(examples, len(frame))))
    masked = mask_frame(frame.head(examples), res.columns,
                        keep=tuple(h for f, h in res.columns.items() if f == "case_no"))
    acc = res.accepted.set_index("source_row")
    for i, row in masked.iterrows():
        cells = "; ".join(f"{k}={v}" for k, v in row.items() if isinstance(v, str) and v)
        out.append(f"  {_t('row', lang, row=i + 2)}: {cells}")
        if i + 2 in acc.index:
            r = acc.loc[i + 2]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            out.append("    -> " + _t("read_as", lang, id=r["complaint_id"],
                                        date=_date(r["received_on"], lang),
                                        category=reg.category_name(r["category"], lang),
                                        status=r["status"],
                                        place=r["subdistrict_code"] if pd.notna(
                                            r["subdistrict_code"]) else "-",
                                        source=r["place_source"] if pd.notna(
                                            r["place_source"]) else "-",
                                        flag=r["date_flag"] if pd.notna(r["date_flag"])
                                        else "-"))
        else:
            aside = res.setaside[res.setaside["source_row"] == i + 2]
            why = (_t("aside_as", lang, problem=text(
                f"complaints.feeds.setaside.{aside['problem'].iloc[0]}", lang))
                if len(aside) else _t("skipped_as", lang))
            out.append("    -> " + why)
    c = res.counts
    cats = res.labels.get("category")
    labels = ", ".join(f"{mask_text(k)} ({v:,})" for k, v in cats.most_common(10)) if cats \
        else "-"
    out.append(_t("counts", lang, stored=f"{len(res.accepted):,}",
                  setaside=f"{len(res.setaside):,}", skipped=f"{res.skipped_rows:,}"))
    for key, n in (("ambiguous", c["ambiguous_dates"]), ("two_digit", c["two_digit_years"]),
                   ("date_problems", c["date_problems"]),
                   ("unknown_statuses", c.get("unknown_statuses", 0)),
                   ("repeated", c["repeated_cases"]), ("free_text", c["places_from_text"]),
                   ("place_unknown", c["places_unknown"]), ("no_case_no", c["no_case_no"])):
        out.append("  " + _t(f"count.{key}", lang, n=f"{n:,}"))
    out.append("  " + _t("count.unknown_categories", lang,
                         n=f"{c['unknown_categories']:,}", labels=labels))
    if len(res.setaside):
        by = res.setaside["problem"].value_counts()
        for code, n in by.items():
            out.append("  " + _t("count.setaside", lang, n=f"{n:,}", problem=text(
                f"complaints.feeds.setaside.{code}", lang)))
    out.append(_t("nothing_written", lang))
    return CheckReport(res, out)
