"""The water-need hierarchy: sub-district indicators rolled up to district, province, basin
and zone (Khon Kaen's integrated water plan), and nationally.

Everything is computed in DuckDB SQL from the central database (``subdistrict_water``
joined to ``areas`` for population and households). One row per group, with the same
columns at every level:

=========================  ==========================================================
column                     roll-up
=========================  ==========================================================
``n_subdistricts``         count of sub-districts with indicators
``population``,            sums (``areas``, synthetic in the sample)
``households``
``water_demand_m3``,       sums (m³ per year)
``water_storage_m3``
``shortfall_m3``           ``water_demand_m3 − water_storage_m3`` of the group (net: a
                           surplus in one sub-district offsets a deficit in another)
``unmet_demand_m3``        ``Σ max(demand − storage, 0)`` over the sub-districts (gross:
                           water cannot be moved freely between sub-districts)
``storage_ratio``          storage / demand
``subdistricts_short``     sub-districts whose demand exceeds their storage
``households_no_piped``    sum
``share_no_piped``         households without piped water / households
``drought_risk``,          weighted means (weight: population by default, or households)
``flood_risk``,            of the sub-districts' values; a missing value leaves its
``need_index``             sub-district out of that mean
``need_index_max``         the neediest sub-district's index
``need_weight``            ``Σ households × need_index``: how much need the group holds,
                           used for the need share of :func:`district_need_budget`
=========================  ==========================================================

Every level has ``name_th`` and ``name_en`` (district, province, basin ``ชี``/``Chi``,
zone ``ชี ต้นน้ำ``/``Chi upstream``, region); :data:`COLUMNS` gives Thai and English
column headings (``plan/text/waterneed.yml``) and :func:`labelled` renames a table for a
report.

Functions take a DuckDB connection (read-only is fine) and a province code;
:func:`national_need` rolls up every province at once.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterable, Literal

import duckdb
import pandas as pd

from oneplan.core import areas
from oneplan.core import vocab
from oneplan.core.text import pairs, text, texts

__all__ = [
    "COLUMNS",
    "LEVELS",
    "basin_need",
    "district_need",
    "district_need_budget",
    "labelled",
    "national_need",
    "need_rollup",
    "province_need",
    "subdistrict_need",
    "zone_need",
]

Level = Literal["subdistrict", "district", "province", "basin", "zone", "region", "nation"]
Weight = Literal["population", "households"]

#: Group columns of each level (besides ``name_th``/``name_en``), in output order.
LEVELS: dict[str, tuple[str, ...]] = {
    "subdistrict": ("province_code", "district_code", "subdistrict_code", "basin", "zone"),
    "district": ("province_code", "district_code"),
    "province": ("province_code",),
    "basin": ("basin",),
    "zone": ("basin", "zone"),
    "region": ("region",),
    "nation": (),
}

REGION_NAMES = areas.REGION_NAMES

COLUMNS: dict[str, tuple[str, str]] = pairs("plan.waterneed.column")
"""column -> (Thai heading, English heading), from ``plan/text/waterneed.yml``."""

_SQL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

_BASE_SQL = """
    SELECT w.subdistrict_code, w.fiscal_year, w.province_code,
           s.parent_code AS district_code, s.region, w.basin, w.zone,
           s.name_th, s.name_en, s.population, s.households,
           w.water_demand_m3, w.water_storage_m3, w.households_no_piped,
           w.drought_risk, w.flood_risk, w.need_index
    FROM subdistrict_water w
    JOIN areas s ON s.code = w.subdistrict_code AND s.level = 'subdistrict'
    WHERE w.fiscal_year = $fiscal_year {where}
"""


def _metrics_sql(weight: str, single: bool = False) -> str:
    """Aggregates of one group (see the module docstring); ``single``: one sub-district per
    group, whose own values are kept as they are."""
    if weight not in ("population", "households"):
        raise ValueError(f"weight must be 'population' or 'households', got {weight!r}")

    def wmean(col: str) -> str:
        """SQL for the weighted mean of ``col`` over a group."""
        if single:
            return f"any_value({col}) AS {col}"
        return (f"sum({col} * {weight}) / nullif(sum(CASE WHEN {col} IS NOT NULL "
                f"THEN {weight} END), 0) AS {col}")

    return f"""
        count(*) AS n_subdistricts,
        sum(population)::BIGINT AS population,
        sum(households)::BIGINT AS households,
        sum(water_demand_m3) AS water_demand_m3,
        sum(water_storage_m3) AS water_storage_m3,
        sum(water_demand_m3) - sum(water_storage_m3) AS shortfall_m3,
        sum(greatest(water_demand_m3 - water_storage_m3, 0)) AS unmet_demand_m3,
        sum(water_storage_m3) / nullif(sum(water_demand_m3), 0) AS storage_ratio,
        count(*) FILTER (WHERE water_demand_m3 > water_storage_m3) AS subdistricts_short,
        sum(households_no_piped)::BIGINT AS households_no_piped,
        sum(households_no_piped) / nullif(sum(households), 0) AS share_no_piped,
        {wmean('drought_risk')},
        {wmean('flood_risk')},
        {wmean('need_index')},
        max(need_index) AS need_index_max,
        sum(households * need_index) AS need_weight
    """


_SUMS = ("n_subdistricts", "population", "households", "water_demand_m3", "water_storage_m3",
         "shortfall_m3", "unmet_demand_m3", "subdistricts_short", "households_no_piped",
         "need_weight")


def _latest_year(con: duckdb.DuckDBPyConnection, province_code: str | None) -> int:
    row = con.execute(
        "SELECT max(fiscal_year) FROM subdistrict_water "
        "WHERE $p IS NULL OR province_code = $p", {"p": province_code}).fetchone()
    if row is None or row[0] is None:
        where = f"province {province_code}" if province_code else "the database"
        raise LookupError(f"no sub-district water indicators for {where}")
    return int(row[0])


def need_rollup(con: duckdb.DuckDBPyConnection, level: Level, province_code: str | None = None,
                fiscal_year: int | None = None, *, weight: Weight = "population"
                ) -> pd.DataFrame:
    """Roll the sub-district water indicators up to ``level``.

    Args:
        level: ``subdistrict``, ``district``, ``province``, ``basin``, ``zone`` (basin ×
            upstream/midstream/downstream), ``region`` or ``nation``.
        province_code: one province, or None for every province (a basin or zone then
            spans the provinces it crosses).
        fiscal_year: พ.ศ.; default the latest year with indicators.
        weight: weight of the risk and need means, ``population`` or ``households``.

    Returns:
        One row per group: the group columns of :data:`LEVELS`, ``name_th``, ``name_en``,
        ``fiscal_year`` and the indicators of the module docstring. Districts are listed
        from ``areas`` so that a district without indicators still appears (with zeros and
        missing means).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    code = areas.province(province_code).code if province_code is not None else None
    year = int(fiscal_year) if fiscal_year is not None else _latest_year(con, code)
    keys = LEVELS[level]
    base = _BASE_SQL.format(where="AND w.province_code = $province" if code else "")
    params: dict[str, object] = {"fiscal_year": year}
    if code:
        params["province"] = code
    group = ", ".join(keys)
    extra = ""
    if level == "district":
        extra = ("arg_max(basin, population) AS main_basin, "
                 "arg_max(zone, population) AS main_zone, ")
    if level == "subdistrict":
        extra = "any_value(name_th) AS name_th, any_value(name_en) AS name_en, "
    sql = f"""
        WITH base AS ({base})
        SELECT {group + ',' if keys else ''} {extra} {_metrics_sql(weight, level == 'subdistrict')}
        FROM base {'GROUP BY ' + group if keys else ''}
    """
    if level == "district":  # every district of the area table, even without indicators
        sql = f"""
            WITH agg AS ({sql})
            SELECT d.province_code, d.code AS district_code, d.name_th, d.name_en,
                   agg.* EXCLUDE (province_code, district_code)
            FROM areas d LEFT JOIN agg ON agg.district_code = d.code
            WHERE d.level = 'district' {'AND d.province_code = $province' if code else ''}
        """
    elif level == "province":
        sql = f"""
            WITH agg AS ({sql})
            SELECT agg.province_code, p.name_th, p.name_en, p.region,
                   agg.* EXCLUDE (province_code)
            FROM agg JOIN areas p ON p.code = agg.province_code AND p.level = 'province'
        """
    order = {"subdistrict": "subdistrict_code", "district": "district_code",
             "province": "province_code", "basin": "basin",
             "zone": "basin, CASE zone WHEN 'upstream' THEN 1 WHEN 'midstream' THEN 2 "
                     "WHEN 'downstream' THEN 3 ELSE 4 END, zone",
             "region": "region", "nation": "1"}[level]
    df = con.execute(f"SELECT * FROM ({sql}) ORDER BY {order}", params).df()
    if level == "district":  # a district without indicators: zero counts and sums
        for col in _SUMS:
            df[col] = df[col].fillna(0)
    df.insert(len(keys) + (2 if level in ("district", "province", "subdistrict") else 0),
              "fiscal_year", year)
    return _names(df, level)


def _names(df: pd.DataFrame, level: str) -> pd.DataFrame:
    """Thai and English names for the levels that have none in ``areas``."""
    basin_en = df["basin"].map(vocab.BASIN_EN) if "basin" in df else None
    if level == "basin":
        df.insert(1, "name_th", df["basin"])
        df.insert(2, "name_en", basin_en.fillna(df["basin"]))
    elif level == "zone":
        zone_th = df["zone"].map(vocab.ZONE_TH).fillna(df["zone"])
        df.insert(2, "name_th", df["basin"] + " " + zone_th)
        df.insert(3, "name_en", basin_en.fillna(df["basin"]) + " " + df["zone"])
    elif level == "region":
        df.insert(1, "name_th", df["region"].map(lambda r: REGION_NAMES.get(r, (r, r))[0]))
        df.insert(2, "name_en", df["region"].map(lambda r: REGION_NAMES.get(r, (r, r))[1]))
    elif level == "nation":
        df.insert(0, "name_th", text("plan.waterneed.nation", "th"))
        df.insert(1, "name_en", text("plan.waterneed.nation", "en"))
    if level == "subdistrict":
        cols = ["province_code", "district_code", "subdistrict_code", "name_th", "name_en"]
        df = df[cols + [c for c in df.columns if c not in cols]]
    return df


def subdistrict_need(con, province_code: str, fiscal_year: int | None = None, *,
                     weight: Weight = "population") -> pd.DataFrame:
    """The sub-district indicators themselves, in the roll-up's columns."""
    return need_rollup(con, "subdistrict", province_code, fiscal_year, weight=weight)


def district_need(con, province_code: str, fiscal_year: int | None = None, *,
                  weight: Weight = "population") -> pd.DataFrame:
    """One row per district of the province (``main_basin``/``main_zone``: the basin and
    zone holding most of its population)."""
    return need_rollup(con, "district", province_code, fiscal_year, weight=weight)


def province_need(con, province_code: str, fiscal_year: int | None = None, *,
                  weight: Weight = "population") -> pd.DataFrame:
    """One row: the province's totals and weighted means."""
    return need_rollup(con, "province", province_code, fiscal_year, weight=weight)


def basin_need(con, province_code: str, fiscal_year: int | None = None, *,
               weight: Weight = "population") -> pd.DataFrame:
    """One row per basin of the province (Khon Kaen: ชี, พอง, เชิญ)."""
    return need_rollup(con, "basin", province_code, fiscal_year, weight=weight)


def zone_need(con, province_code: str, fiscal_year: int | None = None, *,
              weight: Weight = "population") -> pd.DataFrame:
    """One row per basin and zone (upstream, midstream, downstream) of the province."""
    return need_rollup(con, "zone", province_code, fiscal_year, weight=weight)


def national_need(con, level: Level = "province", fiscal_year: int | None = None, *,
                  weight: Weight = "population") -> pd.DataFrame:
    """Every province at once: ``level`` ``province`` (default), ``district``, ``basin``,
    ``zone``, ``region`` or ``nation`` (one row)."""
    return need_rollup(con, level, None, fiscal_year, weight=weight)


def _selected_frame(plan: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
    """``project_id`` (+ ``cost_<year>`` columns) of the selected projects of a plan."""
    if isinstance(plan, pd.DataFrame):
        if "project_id" not in plan.columns:
            raise ValueError("plan has no project_id column")
        rows = plan[plan["selected"].astype(bool)] if "selected" in plan.columns else plan
        year_cols = [c for c in plan.columns if re.fullmatch(r"cost_\d{4}", str(c))]
        out = rows[["project_id", *year_cols]].copy()
        out["project_id"] = out["project_id"].astype(str)
        return out
    return pd.DataFrame({"project_id": [str(p) for p in plan]})


_REGISTER = itertools.count()


def district_need_budget(con: duckdb.DuckDBPyConnection, province_code: str,
                         fiscal_year: int | None = None, *,
                         plan: pd.DataFrame | Iterable[str] | None = None,
                         fund_source: str = "province",
                         weight: Weight = "population") -> pd.DataFrame:
    """Per-district need beside the candidate and selected budget, for the report.

    Columns: those of :func:`district_need`, then the district's proposals
    (``candidates``, ``candidate_baht``, ``ready_candidates``, ``ready_baht``,
    ``eligible_candidates``, ``eligible_baht`` for ``fund_source``), and when ``plan`` is
    given (a ``PlanResult.plan`` / ``SelectionResult.selected`` frame with ``selected``, or
    an iterable of selected project ids): ``selected``, ``selected_baht`` (total cost),
    ``selected_households``, ``selected_baht_<year>`` for each ``cost_<year>`` column of
    the plan, ``selected_baht_per_household``, ``need_share`` (the district's share of the
    province's ``need_weight``), ``budget_share`` (its share of the selected budget) and
    ``budget_to_need`` (= budget_share / need_share: 1 means budget in proportion to need).
    Districts without proposals or selections show 0.
    """
    from oneplan.data.db import FUND_SOURCES

    if fund_source not in FUND_SOURCES:
        raise ValueError(f"fund_source must be one of {', '.join(FUND_SOURCES)}; "
                         f"got {fund_source!r}")
    code = areas.province(province_code).code
    need = district_need(con, code, fiscal_year, weight=weight)
    year = int(need["fiscal_year"].iat[0]) if len(need) else int(
        fiscal_year or _latest_year(con, code))
    params = {"province": code, "fiscal_year": year, "fund_source": fund_source}
    cand = con.execute(
        """
        SELECT district_code,
               count(*) AS candidates, sum(cost_baht) AS candidate_baht,
               count(*) FILTER (WHERE ready) AS ready_candidates,
               coalesce(sum(cost_baht) FILTER (WHERE ready), 0) AS ready_baht,
               count(*) FILTER (WHERE coalesce(list_contains(fund_sources, $fund_source), true))
                   AS eligible_candidates,
               coalesce(sum(cost_baht) FILTER (
                   WHERE coalesce(list_contains(fund_sources, $fund_source), true)), 0)
                   AS eligible_baht
        FROM water_projects
        WHERE province_code = $province AND fiscal_year = $fiscal_year
        GROUP BY district_code
        """, params).df()
    out = need.merge(cand, on="district_code", how="left")
    fill = ["candidates", "candidate_baht", "ready_candidates", "ready_baht",
            "eligible_candidates", "eligible_baht"]
    if plan is not None:
        chosen = _selected_frame(plan)
        year_cols = [c for c in chosen.columns if c != "project_id"]
        for c in year_cols:
            if not _SQL_NAME.match(c):
                raise ValueError(f"bad plan column name {c!r}")
        per_year = "".join(f", sum(coalesce(c.{c}, 0)) AS selected_baht_{c[5:]}"
                           for c in year_cols)
        name = f"_oneplan_selected_{next(_REGISTER)}"
        con.register(name, chosen)
        try:
            sel = con.execute(
                f"""
                SELECT p.district_code, count(*) AS selected,
                       sum(p.cost_baht) AS selected_baht,
                       sum(p.households_served)::BIGINT AS selected_households {per_year}
                FROM water_projects p JOIN {name} c ON c.project_id = p.project_id
                WHERE p.province_code = $province AND p.fiscal_year = $fiscal_year
                GROUP BY p.district_code
                """, {"province": code, "fiscal_year": year}).df()
        finally:
            con.unregister(name)
        out = out.merge(sel, on="district_code", how="left")
        fill += ["selected", "selected_baht", "selected_households"]
        fill += [f"selected_baht_{c[5:]}" for c in year_cols]
    for c in fill:
        out[c] = out[c].fillna(0)
        if c in ("candidates", "ready_candidates", "eligible_candidates", "selected",
                 "selected_households"):
            out[c] = out[c].astype("int64")
    if plan is not None:
        hh = out["households"].where(out["households"] > 0)
        out["selected_baht_per_household"] = out["selected_baht"] / hh
        total_need = out["need_weight"].sum()
        total_sel = out["selected_baht"].sum()
        out["need_share"] = out["need_weight"] / total_need if total_need > 0 else float("nan")
        out["budget_share"] = (out["selected_baht"] / total_sel if total_sel > 0
                               else 0.0)
        out["budget_to_need"] = out["budget_share"] / out["need_share"].where(
            out["need_share"] > 0)
    return out


def labelled(df: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """``df`` with column headings in Thai (``th``) or English (``en``) from
    :data:`COLUMNS`; unknown columns keep their names (``selected_baht_<year>`` becomes
    "งบที่ได้รับเลือก ปี <year>" / "Selected <year> (baht)")."""
    headings = texts("plan.waterneed.column", lang)
    names = {}
    for c in df.columns:
        if c in headings:
            names[c] = headings[c]
        elif m := re.fullmatch(r"selected_baht_(\d{4})", str(c)):
            names[c] = text("plan.waterneed.selected_year", lang, year=m[1])
    return df.rename(columns=names)
