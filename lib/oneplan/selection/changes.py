"""Why each project changed at a revision: the diff between the approved and the revised
plan, one row per project kept, added, dropped or moved, with a reason in Thai and English
(``lib/oneplan/selection/text/revision.yml``). Used by
:func:`oneplan.selection.revision.revise_plan`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from oneplan.core import thai
from oneplan.core.text import text
from oneplan.selection.candidates import is_missing

__all__ = ["change_table"]


def _spend_years(start: int, profile: Sequence[float], years: Sequence[int]) -> list[int]:
    """The plan years in which a project started in ``start`` spends."""
    return [start + j for j, f in enumerate(profile) if f > 0 and start + j in years]


def _fmt_baht(x: float, lang: str) -> str:
    """Baht for a reason (``–`` when not a number)."""
    try:
        return thai.format_baht(float(x), lang)
    except (thai.ThaiLocaleError, TypeError, ValueError):
        return "–"


def _fmt_pct(x: float) -> str:
    """A signed whole percentage."""
    return f"{x:+.0f}"


def change_table(*, cands, approved, after, baseline, by_id, cancelled, beyond, started, assumed,
          values_before, values_now, cost_before, profiles, years, cut_pct, budget_notes,
          penalty, delta) -> pd.DataFrame:
    """One row per approved or added project: the change, why (in Thai and English, from
    ``lib/oneplan/selection/text/revision.yml``) and the objective lost by undoing it."""
    names = dict(zip(cands["project_id"], cands["name_th"])) if "name_th" in cands.columns \
        else {}
    new_ids = set(cands.loc[cands["new_proposal"], "project_id"])
    requires = {p: r for p, r in zip(cands["project_id"], cands["requires"])
                if not is_missing(r)} if "requires" in cands.columns else {}
    cost_now = dict(zip(cands["project_id"], cands["cost_baht"].astype(float)))
    p_txt = f"{penalty:g}"
    rows = []

    def years_of(p, start):
        return set(_spend_years(start, profiles[p], years))

    dropped = [p for p in approved if p not in after]
    added = [p for p in after if p not in approved]
    freed = [p for p in dropped] + [p for p in approved if p in after and after[p] != approved[p]]

    for p in list(approved) + [p for p in after if p not in approved]:
        s0, s1 = approved.get(p), after.get(p)
        d = by_id.get(p, {"events": [], "notes": [], "delay": 0, "new_cost": None})
        note = "; ".join(d["notes"])
        note = f" ({note})" if note else ""
        c0, c1 = cost_before.get(p, cost_now[p]), cost_now[p]
        pct = 100.0 * (c1 / c0 - 1) if c0 else 0.0
        overrun = d["new_cost"] is not None and c1 > c0
        dl, dg = delta.get(p, (None, None))
        if s0 is not None and s1 is not None:
            change = "kept" if s0 == s1 else "moved"
        elif s0 is not None:
            change = "dropped"
        else:
            change = "added"

        def reason(lang: str) -> tuple[str, Any, str]:
            """(reason code, related project, the sentence in ``lang``) of project ``p``."""
            def say(key: str, **fields: Any) -> str:
                return text(f"selection.revision.reason.{change}.{key}", lang, **fields)

            cost = text("selection.revision.reason.cost_changed", lang,
                        before=_fmt_baht(c0, lang), after=_fmt_baht(c1, lang),
                        pct=_fmt_pct(pct))
            related = None
            if change == "kept":
                if p in started and "completed" in d["events"]:
                    code, out = "completed", say("completed", note=note)
                elif p in started:
                    code, out = "started", say("started", start=s0, note=note)
                elif p in assumed:
                    code, out = "assumed_started", say("assumed_started", start=s0)
                elif overrun:
                    code, out = "kept_despite_overrun", say("despite_overrun", cost=cost)
                    if dl is not None:
                        out += say("if_dropped", value_change=f"{dg:+.3f}", loss=f"{dl:.3f}",
                                   p=p_txt)
                else:
                    code, out = "as_approved", say("as_approved")
            elif change == "moved":
                cuts = [y for y in sorted(years_of(p, s0)) if cut_pct.get(y, 0) < 0]
                if d["delay"] and s1 == baseline.get(p):
                    code, out = "delayed", say("delayed", delay=d["delay"], before=s0, after=s1,
                                               note=note)
                elif d["delay"]:
                    code, out = "delayed", say("delayed_further", delay=d["delay"], note=note,
                                               after=s1)
                elif requires.get(p) is not None and by_id.get(requires[p], {}).get("delay"):
                    code, related = "needs", requires[p]
                    out = say("needs", related=related, before=s0, after=s1)
                elif cuts:
                    y = cuts[0]
                    code, out = "budget_cut", say("budget_cut", year=y,
                                                  cut=f"{abs(cut_pct[y]):.0f}", before=s0,
                                                  after=s1)
                else:
                    code, out = "replanned", say("replanned", before=s0, after=s1, p=p_txt)
            elif change == "dropped":
                v = values_before[p]
                my_years = years_of(p, s0)
                cuts = [y for y in sorted(my_years) if cut_pct.get(y, 0) < 0]
                displacers = sorted(
                    (q for q in added if q in new_ids and years_of(q, after[q]) & my_years),
                    key=lambda q: -values_now[q])
                need = requires.get(p)
                if p in cancelled:
                    code, out = "cancelled", say("cancelled", note=note)
                elif need is not None and need not in after:
                    code, related = "needs", need
                    out = say("needs", related=need)
                elif p in beyond:
                    code, out = "delayed_beyond_plan", say("delayed_beyond_plan",
                                                           delay=d["delay"], note=note,
                                                           last=years[-1])
                elif overrun:
                    code, out = "cost_overrun", say("cost_overrun", cost=cost,
                                                    value=f"{values_now[p]:.3f}", p=p_txt)
                elif cuts:
                    y = cuts[0]
                    code, out = "budget_cut", say("budget_cut", year=y,
                                                  cut=f"{abs(cut_pct[y]):.0f}",
                                                  value=f"{v:.3f}", baht=_fmt_baht(c1, lang))
                    if budget_notes.get(y):
                        out += f" ({budget_notes[y]})"
                elif displacers:
                    code, related = "displaced", displacers[0]
                    out = say("displaced", related=related,
                              value_new=f"{values_now[related]:.3f}", value=f"{v:.3f}")
                else:
                    code, out = "replanned", say("replanned", p=p_txt)
                if dl is not None:
                    out += say("if_kept", loss=f"{dl:.3f}")
                elif p in delta:
                    out += say("cannot_keep")
            else:  # added
                my_years = years_of(p, s1)
                sources = [q for q in freed if years_of(q, approved[q]) & my_years]
                freed_by = ", ".join(map(str, sources[:3]))
                if p in new_ids:
                    code, out = "new_proposal", say("new_proposal", value=f"{values_now[p]:.3f}",
                                                    baht=_fmt_baht(c1, lang))
                elif sources:
                    code, related = "budget_freed", sources[0]
                    out = say("budget_freed", sources=freed_by)
                else:
                    code, out = "replanned", say("replanned")
                if related is None and sources:
                    related = sources[0]
                if p in new_ids and sources:
                    out += say("freed_by", sources=freed_by)
            return code, related, out

        code, related, th = reason("th")
        en = reason("en")[2]
        rows.append({
            "project_id": p, "name_th": names.get(p), "change": change,
            "start_before": s0, "start_after": s1,
            "cost_before": c0 if s0 is not None else np.nan, "cost_after": c1,
            "value_before": values_before.get(p, np.nan), "value_after": values_now[p],
            "events": ",".join(d["events"]), "new_proposal": p in new_ids,
            "reason_code": code, "reason_th": th, "reason_en": en, "related_id": related,
            "objective_delta": np.nan if dl is None else float(dl),
            "confirmed": dl is not None,
        })
    diff = pd.DataFrame(rows, columns=[
        "project_id", "name_th", "change", "start_before", "start_after", "cost_before",
        "cost_after", "value_before", "value_after", "events", "new_proposal",
        "reason_code", "reason_th", "reason_en", "related_id", "objective_delta",
        "confirmed"])
    diff["start_before"] = diff["start_before"].astype("Int64")
    diff["start_after"] = diff["start_after"].astype("Int64")
    order = {c: i for i, c in enumerate(("dropped", "moved", "added", "kept"))}
    diff = diff.sort_values(["change", "value_before"], key=lambda s: s.map(order)
                            if s.name == "change" else -s.fillna(0), kind="stable")
    return diff.reset_index(drop=True)
