"""Plan101Pro: rank agencies' project proposals with published weights.

Each proposal gets a score in 0..1, the weighted sum of five criteria, each scaled 0..1
within the list being ranked (so the weakest proposal scores 0 and the strongest 1 on
that criterion; a criterion on which every proposal is equal contributes nothing):

``households``
    beneficiary households, ``log1p`` then min-max (one huge project does not squash the
    rest).
``cost_effectiveness``
    households per million baht, ``log1p`` then min-max.
``strategy_fit``
    1 when the proposal fits a strategic issue of the province, else 0.
``readiness``
    share of the four documents attached: drawings (แบบรูป), BOQ (ประมาณราคา), photos of
    the site, land documents (เอกสารสิทธิ์/หนังสืออนุญาต); :func:`missing_documents` lists what
    each proposal still lacks.
``village_need``
    1 when the proposal answers a need a village entered (Surin One Plan), else 0.

Weights come from ``params.ranking.weights`` and are normalised to sum 1 with
:func:`oneplan.core.scoring.normalise_weights`; ``contrib_<c>`` = weight × criterion, so each
criterion's contribution to the score is shown. :func:`sensitivity` moves each weight
±20 % (``params.ranking.sensitivity_step``) and reports how much of the top N stays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from oneplan.core import scoring
from oneplan.core.text import LANGS, text

log = logging.getLogger(__name__)

COMPUTED_AS: dict[str, str] = {
    "households": "log1p(households), min-max scaled to 0..1 within the proposals ranked.",
    "cost_effectiveness": "log1p(households / cost in million baht), min-max scaled 0..1.",
    "strategy_fit": "1 if the proposal has a strategic issue, else 0.",
    "readiness": "Share of drawings, BOQ, photos and land documents attached (0, ¼, ½, ¾, 1).",
    "village_need": "1 if the proposal carries a need entered by a village, else 0.",
}
"""criterion -> how it is computed (the published method, in English in every report)."""

CRITERIA: dict[str, tuple[str, str, str]] = {
    c: (*(text(f"plan.ranking.criterion.{c}", lang) for lang in LANGS), how)
    for c, how in COMPUTED_AS.items()}
"""criterion -> (Thai label, English label, how it is computed); the labels are in
``plan/text/ranking.yml`` (:func:`criterion_name`)."""

DOCUMENTS: dict[str, tuple[str, str]] = {
    c: tuple(text(f"plan.ranking.document.{c}", lang) for lang in LANGS)
    for c in ("drawing_ref", "boq_ref", "photo_ref", "land_ref")}
"""Attachment columns of ``proposals`` -> (Thai, English) names (:func:`document_name`)."""


def criterion_name(criterion: str, lang: str = "th") -> str:
    """The label of a criterion of :data:`CRITERIA` in ``lang``."""
    return text(f"plan.ranking.criterion.{criterion}", lang)


def document_name(column: str, lang: str = "th") -> str:
    """The name of a document of :data:`DOCUMENTS` (its attachment column) in ``lang``."""
    return text(f"plan.ranking.document.{column}", lang)


def _present(df: pd.DataFrame, col: str) -> np.ndarray:
    v = df[col]
    return (v.notna() & (v.astype(str).str.strip() != "")).to_numpy()


def readiness(df: pd.DataFrame) -> np.ndarray:
    """Share of the four documents each proposal has (0..1)."""
    return np.mean([_present(df, c) for c in DOCUMENTS], axis=0) if len(df) else np.zeros(0)


def missing_documents(df: pd.DataFrame, lang: str = "th") -> pd.Series:
    """What each proposal still lacks, as text ("" when complete), indexed like ``df``."""
    names = {c: document_name(c, lang) for c in DOCUMENTS}
    has = {c: _present(df, c) for c in DOCUMENTS}
    out = [", ".join(names[c] for c in DOCUMENTS if not has[c][i]) for i in range(len(df))]
    return pd.Series(out, index=df.index, dtype=object)


def criteria_values(df: pd.DataFrame) -> pd.DataFrame:
    """Every criterion scaled 0..1 (``crit_<c>`` columns), indexed like ``df``.

    Raises:
        ValueError: a proposal without a positive cost or with negative households
            (named).
    """
    cost = pd.to_numeric(df["cost_baht"], errors="coerce").to_numpy(dtype=float)
    hh = pd.to_numeric(df["households"], errors="coerce").fillna(0).to_numpy(dtype=float)
    bad = ~(cost > 0) | (hh < 0)
    if bad.any():
        ids = df.loc[bad, "project_id"].astype(str).tolist()[:10]
        raise ValueError(f"proposals need cost_baht > 0 and households ≥ 0; not so for: "
                         f"{', '.join(ids)}")
    out = pd.DataFrame(index=df.index)
    out["crit_households"] = scoring.min_max(np.log1p(hh))
    out["crit_cost_effectiveness"] = scoring.min_max(np.log1p(hh / (cost / 1e6)))
    out["crit_strategy_fit"] = df["strategy_no"].notna().to_numpy(dtype=float)
    out["crit_readiness"] = readiness(df)
    out["crit_village_need"] = df["need_id"].notna().to_numpy(dtype=float)
    return out


def _scores(crit: pd.DataFrame, w: Mapping[str, float]) -> np.ndarray:
    return np.clip(sum(w[c] * crit[f"crit_{c}"].to_numpy() for c in w), 0.0, 1.0)


def _rank(score: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """1 = best; ties broken by project id so the ranking is reproducible."""
    order = np.lexsort((ids, -score))
    rank = np.empty(len(score), dtype=int)
    rank[order] = np.arange(1, len(score) + 1)
    return rank


def rank_proposals(df: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Score and rank proposals.

    Returns:
        A copy of ``df`` sorted best first with ``crit_<c>``, ``contrib_<c>`` (weight ×
        criterion, summing to ``score``), ``score`` (0..1), ``rank`` (1 = best, ties
        broken by project id), ``readiness`` (0..1) and ``missing`` (Thai list of the
        documents it lacks).

    Raises:
        ValueError: an unknown criterion, a negative weight or weights summing to 0
            (:func:`oneplan.core.scoring.normalise_weights`); bad costs or households.
    """
    w = scoring.normalise_weights(weights, CRITERIA)
    out = df.copy()
    if out.empty:
        for c in CRITERIA:
            out[f"crit_{c}"] = pd.Series(dtype=float)
            out[f"contrib_{c}"] = pd.Series(dtype=float)
        return out.assign(score=pd.Series(dtype=float), rank=pd.Series(dtype=int),
                          readiness=pd.Series(dtype=float), missing=pd.Series(dtype=object))
    crit = criteria_values(out)
    for c in CRITERIA:
        out[f"crit_{c}"] = crit[f"crit_{c}"]
        out[f"contrib_{c}"] = w.get(c, 0.0) * crit[f"crit_{c}"]
    out["score"] = _scores(crit, w)
    out["rank"] = _rank(out["score"].to_numpy(), out["project_id"].astype(str).to_numpy())
    out["readiness"] = crit["crit_readiness"]
    out["missing"] = missing_documents(out)
    return out.sort_values("rank", ignore_index=True)


def weights_table(weights: Mapping[str, float], lang: str = "th") -> pd.DataFrame:
    """The published weights: criterion, weight as given, normalised share, how computed."""
    w = scoring.normalise_weights(weights, CRITERIA)
    return pd.DataFrame({
        "criterion": list(w),
        "name": [criterion_name(c, lang) for c in w],
        "weight": [float(weights[c]) for c in w],
        "share": [w[c] for c in w],
        "how": [CRITERIA[c][2] for c in w],
    })


def sensitivity(df: pd.DataFrame, weights: Mapping[str, float], *, top_n: int = 20,
                step: float = 0.2) -> pd.DataFrame:
    """How stable the top of the ranking is when each weight moves by ± ``step``.

    For every criterion with a weight and each direction, that weight is multiplied by
    ``1 ± step`` (the others unchanged), the weights renormalised and the proposals
    re-ranked. The criteria themselves do not change (they are scaled within the list,
    independent of the weights).

    Returns:
        One row per (criterion, direction): ``criterion``, ``change`` (−0.2 / +0.2),
        ``kept`` (proposals of the base top N still in the top N), ``kept_share``
        (kept / N), ``entered`` (ids that came into the top N), ``left`` (ids that
        dropped out), ``same_first`` (the base number one is still first),
        ``max_rank_shift`` (largest move in rank among the base top N).

    Raises:
        ValueError: bad weights (see :func:`rank_proposals`), ``top_n`` < 1 or ``step``
            outside (0, 1).
    """
    if top_n < 1:
        raise ValueError(f"top_n must be ≥ 1, got {top_n}")
    if not 0 < step < 1:
        raise ValueError(f"step must lie in (0, 1), got {step}")
    base_w = scoring.normalise_weights(weights, CRITERIA)
    cols = ["criterion", "change", "kept", "kept_share", "entered", "left", "same_first",
            "max_rank_shift"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    crit = criteria_values(df)
    ids = df["project_id"].astype(str).to_numpy()
    n = min(top_n, len(df))
    base_rank = _rank(_scores(crit, base_w), ids)
    base_top = set(ids[base_rank <= n])
    first = ids[base_rank == 1][0]
    rows = []
    for c in base_w:
        for sign in (-1, 1):
            moved = dict(weights)
            moved[c] = float(weights[c]) * (1 + sign * step)
            w = scoring.normalise_weights(moved, CRITERIA)
            rank = _rank(_scores(crit, w), ids)
            top = set(ids[rank <= n])
            in_base = base_rank <= n
            rows.append({
                "criterion": c, "change": sign * step, "kept": len(top & base_top),
                "kept_share": len(top & base_top) / n,
                "entered": sorted(top - base_top), "left": sorted(base_top - top),
                "same_first": bool(ids[rank == 1][0] == first),
                "max_rank_shift": int(np.abs(rank[in_base] - base_rank[in_base]).max()),
            })
    return pd.DataFrame(rows, columns=cols)


def documents_table(ranked: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """How many proposals lack each document, and how many are complete.

    Returns:
        ``document`` (name), ``missing`` (count), ``share`` (of proposals); a last row for
        proposals with every document.
    """
    n = max(len(ranked), 1)
    rows = [{"document": document_name(c, lang),
             "missing": int((~_present(ranked, c)).sum()),
             "share": float((~_present(ranked, c)).sum()) / n}
            for c in DOCUMENTS]
    complete = int((readiness(ranked) == 1).sum()) if len(ranked) else 0
    rows.append({"document": text("plan.ranking.all_documents", lang),
                 "missing": complete, "share": complete / n})
    return pd.DataFrame(rows)
