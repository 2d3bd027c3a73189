"""Where a complaint is: the sub-district from a feed's own columns (a DOPA code, or the
names of sub-district, district and province), else read from the free-text address by
:func:`oneplan.complaints.address.parse`; with where it came from and how sure it is.

A row whose place cannot be read is still a complaint: its sub-district and district stay
empty (``place_source`` NULL) and the statistics count it as "place unknown"."""

from __future__ import annotations

import importlib
import logging
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from oneplan.core import areas, thai
from oneplan.complaints import normalise as nz

log = logging.getLogger(__name__)

PLACE_COLUMNS = ("subdistrict_code", "province_code", "place_source",
                 "place_confidence", "house_no", "moo")


def area_key(name: str) -> str:
    """An area name as matched: without its prefix (จังหวัด, อ., ต., แขวง …) and spaces."""
    return re.sub(r"^(?:จังหวัด|จ\.|อำเภอ|อ\.|ตำบล|ต\.|เขต|แขวง)\s*|\s+", "", str(name))


@lru_cache(maxsize=1)
def area_lookup() -> dict[tuple[str, str, str], str]:
    """(province, district, sub-district) name keys -> sub-district code, every province."""
    out = {}
    for p in areas.planning_provinces() + [areas.province(areas.BANGKOK)]:
        for d in areas.districts(p.code):
            for s in areas.subdistricts(d.code):
                out[(area_key(p.name_th), area_key(d.name_th), area_key(s.name_th))] = s.code
    return out


@lru_cache(maxsize=1)
def subdistrict_index() -> pd.Index:
    """Every real sub-district code (one hash table, built once)."""
    return pd.Index(sorted(set(area_lookup().values())))


def is_subdistrict(codes: pd.Series) -> pd.Series:
    """True where a value is a real DOPA sub-district code."""
    found = subdistrict_index().get_indexer(codes.astype(object).where(codes.notna(), None))
    return pd.Series(found >= 0, index=codes.index)


@lru_cache(maxsize=1)
def _warn_no_parser() -> None:
    log.warning("complaints.address is not available: free-text places are not read")


def address_parse(texts: pd.Series, province_hint: str | None,
                  district_hint: pd.Series | None) -> pd.DataFrame | None:
    """The address parser of the contract (``complaints/address.py``), None while it is not
    installed (the rows then keep no place)."""
    try:  # through sys.modules (a test may stand a small fake in for it)
        address = importlib.import_module("oneplan.complaints.address")
    except ImportError:
        _warn_no_parser()
        return None
    return address.parse(texts, province_hint=province_hint, district_hint=district_hint)


def _mode(s: pd.Series) -> str | None:
    s = s.dropna()
    return None if s.empty else str(s.value_counts().index[0])


def resolve(col: dict[str, pd.Series], index: pd.Index, *,
            province_hint: str | None = None) -> pd.DataFrame:
    """The place of every row.

    Args:
        col: the feed's columns as strings, by field (``subdistrict_code``,
            ``subdistrict``/``district``/``province``, ``address``; any may be missing).
        province_hint: the province the file is about (a DOPA code), when known.

    Returns:
        Columns :data:`PLACE_COLUMNS` on ``index``: ``subdistrict_code`` (NA: unknown),
        ``province_code`` (the file's province where the place is unknown),
        ``place_source`` (``columns``/``free_text``/NA), ``place_confidence``,
        ``house_no``, ``moo``.
    """
    empty = pd.Series(pd.NA, index=index, dtype="string")
    sub = empty.copy()
    if "subdistrict_code" in col:
        sub = nz.clean(col["subdistrict_code"]).str.translate(thai.TO_ARABIC_DIGITS)
        sub = sub.astype("string")
    elif "subdistrict" in col:
        lookup = area_lookup()
        prov = col.get("province", empty).fillna("").map(area_key)
        keys = zip(prov, col.get("district", empty).fillna("").map(area_key),
                   col["subdistrict"].fillna("").map(area_key))
        sub = pd.Series([lookup.get(k) for k in keys], index=index, dtype="string")
    sub = sub.where(is_subdistrict(sub))
    source = pd.Series(np.where(sub.notna(), "columns", None), index=index, dtype="string")
    confidence = pd.Series(np.where(sub.notna(), 1.0, np.nan), index=index)
    address = col.get("address")
    house = nz.house_from_address(address) if address is not None else empty.copy()
    moo = (nz.moo_from_address(address) if address is not None
           else pd.Series(pd.NA, index=index, dtype="Int64"))
    hint = province_hint or _mode(sub.str[:2])
    # rows without a place from the columns: read it from the text the row has
    parts = [col[f] for f in ("address",) if f in col]
    parts += [prefix + col[f] for f, prefix in (("subdistrict", "ต."), ("district", "อ."),
                                                  ("province", "จ.")) if f in col]
    if parts:
        written = parts[0].fillna("")
        for p in parts[1:]:
            written = written + " " + p.fillna("")
        written = written.str.strip()
        need = sub.isna() & (written.str.len() > 0).fillna(False)
        if need.any():
            dist_hint = (col["district"][need] if "district" in col else None)
            got = address_parse(written[need], hint, dist_hint)
            if got is not None and len(got):
                got = got.reindex(written[need].index)
                code = got["subdistrict_code"].astype("string")
                ok = is_subdistrict(code) & code.notna()
                idx = code[ok].index
                sub.loc[idx] = code[ok]
                source.loc[idx] = "free_text"
                confidence.loc[idx] = pd.to_numeric(got.loc[idx, "confidence"],
                                                    errors="coerce").clip(0, 1)
                h = got["house_no"].astype("string")
                fill_h = house.isna() & h.notna()
                house[fill_h[fill_h].index] = h[fill_h]
                m = pd.to_numeric(got["moo"], errors="coerce").astype("Int64")
                fill_m = moo.isna() & m.notna()
                moo[fill_m[fill_m].index] = m[fill_m]
    hint = province_hint or _mode(sub.str[:2])
    province = sub.str[:2].fillna(hint) if hint else sub.str[:2]
    return pd.DataFrame({"subdistrict_code": sub, "province_code": province,
                         "place_source": source, "place_confidence": confidence,
                         "house_no": house.astype("string"), "moo": moo}, index=index)
