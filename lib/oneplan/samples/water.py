"""Deterministic synthetic sample data for every one of the 76 provinces.

Real codes and names (provinces, districts, sub-districts) come from :mod:`oneplan.core.areas`;
everything else — population, villages, water need, agencies' proposals, costs, benefits —
is generated from a seed and marked ``synthetic = true`` in every row, with the generator
named in ``source_file``. Each province is generated from its own seed
(``seed * 100 + province code``), so one province's sample does not change when another
is added or removed.

Orders of magnitude follow the project design ("Making the synthetic sample plausible"); they are
for a believable sample only, not official unit costs.

Version 2 adds what the multi-year water plan needs (``docs/plan-model-api.md``), drawn
from a second random stream per province so that the v1 columns of a given seed stay as
they were:

``duration_years``, ``cost_profile``
    small works (check dams, wells, village supplies) take one year; weirs, dredging and
    pumping stations one or two; canals, retention areas, reservoirs and regulators two or
    three (the bigger a project within its type's cost range, the longer). The profile is
    the share of the cost paid in each year from the start, in 5 % steps, summing to 1:
    earthworks (dredging, weirs) are front-loaded so they finish before the rains; dams and
    regulators are back-loaded (advance payment and early works in year one, the structure
    later); see :data:`PROFILE_SHAPES`.
``requires_project_id``
    precedence, always to a project of the same province: a canal / distribution system
    needs its reservoir, pumping station or weir in the same or a neighbouring
    sub-district; some pumping stations need a weir or reservoir, some village supplies a
    well, in the same sub-district. Requirements only point from "network" to "source"
    types (:data:`REQUIRES_RANK`), so chains are at most two long and never cycle. The
    sample has no sub-district boundaries: "neighbouring" means next in DOPA code order
    within the same district.
``alternative_group``
    mutually exclusive alternatives for the same sub-district need (at most one may be
    funded): a reservoir vs a retention area vs dredging, a weir vs dredging, or a
    village supply vs a groundwater well; 2–3 projects of different types per group. A
    project never requires a member of its own group.
``fund_sources``
    which budgets may fund it: ``province`` (งบพัฒนาจังหวัด), ``department`` (งบกรม),
    ``lao`` (งบท้องถิ่น). Check dams and village supplies are mostly local-government scope,
    big reservoirs, retention areas and regulators department scope, most mid-size works
    may be funded by the provincial budget (:func:`_fund_sources`).
``earliest_start``
    first fiscal year it may start: the plan's first year for most; about one in ten starts
    a year or two later (new proposals, land still being acquired), never so late that it
    could not finish inside a three-year plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from oneplan.core import areas
from oneplan.core.vocab import FUND_SOURCES

log = logging.getLogger(__name__)

GENERATOR = "oneplan.samples.water v3"


@dataclass(frozen=True)
class ProjectType:
    """A kind of water project of the sample: names, share, and cost and benefit ranges."""

    code: str
    name_th: str
    name_en: str
    share: float                      # share of candidates of this type
    cost: tuple[float, float]         # baht, log-uniform range
    households: tuple[float, float]   # households served
    area_rai: tuple[float, float]     # area irrigated or protected, rai
    storage_m3: tuple[float, float]   # storage added, m³
    agency: str                       # who usually proposes it (see _agency_for)


# Typical cost and benefit ranges per type (project design); zeros mean "not this kind of benefit".
PROJECT_TYPES: tuple[ProjectType, ...] = (
    ProjectType("check_dam", "ฝายชะลอน้ำ", "check dam", 0.14,
                (20e3, 100e3), (10, 60), (10, 100), (500, 5_000), "lao"),
    ProjectType("weir", "ฝาย คสล.", "concrete weir", 0.15,
                (0.5e6, 5e6), (50, 300), (100, 800), (10e3, 80e3), "lao"),
    ProjectType("dredging", "ขุดลอกแหล่งน้ำ", "dredging a pond or canal", 0.20,
                (0.5e6, 10e6), (50, 500), (100, 2_000), (10e3, 300e3), "water"),
    ProjectType("village_supply", "ระบบประปาหมู่บ้าน", "village water supply", 0.15,
                (1e6, 5e6), (100, 500), (0, 0), (200, 2_000), "lao"),
    ProjectType("well", "บ่อบาดาล", "groundwater well", 0.12,
                (0.3e6, 1e6), (30, 200), (0, 50), (0, 0), "groundwater"),
    ProjectType("pump_station", "สถานีสูบน้ำด้วยไฟฟ้า", "electric pumping station", 0.07,
                (3e6, 20e6), (100, 600), (500, 3_000), (0, 0), "irrigation"),
    ProjectType("canal", "ระบบส่งน้ำ/คลองส่งน้ำ", "canal and distribution system", 0.07,
                (5e6, 50e6), (200, 1_500), (1_000, 10_000), (0, 0), "irrigation"),
    ProjectType("retention", "แก้มลิง", "retention area", 0.04,
                (10e6, 100e6), (200, 2_000), (1_000, 8_000), (0.5e6, 5e6), "water"),
    ProjectType("reservoir", "อ่างเก็บน้ำขนาดเล็ก", "small reservoir", 0.03,
                (20e6, 200e6), (300, 3_000), (2_000, 10_000), (0.5e6, 5e6), "irrigation"),
    ProjectType("regulator", "ประตูระบายน้ำ/พนังกั้นน้ำ", "regulator or embankment", 0.03,
                (10e6, 100e6), (300, 3_000), (2_000, 10_000), (0, 0), "irrigation"),
)
TYPE_BY_CODE = {t.code: t for t in PROJECT_TYPES}

# Main river basins by region; the sample gives each province two or three of them.
# Khon Kaen's are real: the Chi, Phong and Choen rivers of its award-winning plan.
_REGION_BASINS = {
    "north": ["ปิง", "วัง", "ยม", "น่าน", "กก", "โขงเหนือ"],
    "northeast": ["ชี", "มูล", "โขงตะวันออกเฉียงเหนือ"],
    "central": ["เจ้าพระยา", "ท่าจีน", "ป่าสัก", "สะแกกรัง"],
    "east": ["บางปะกง", "ปราจีนบุรี", "โตนเลสาบ", "ชายฝั่งทะเลตะวันออก"],
    "west": ["แม่กลอง", "เพชรบุรี", "ชายฝั่งทะเลตะวันตก"],
    "south": ["ตาปี", "ทะเลสาบสงขลา", "ปัตตานี", "ภาคใต้ฝั่งตะวันออก", "ภาคใต้ฝั่งตะวันตก"],
}
_KHON_KAEN_BASINS = {  # district name_en -> river (approximate, for the sample)
    "Ubolratana": "พอง", "Nam Phong": "พอง", "Khao Suan Kwang": "พอง", "Phu Wiang": "พอง",
    "Nong Ruea": "พอง", "Wiang Kao": "พอง", "Kranuan": "พอง", "Sam Sung": "พอง",
    "Chum Phae": "เชิญ", "Si Chomphu": "เชิญ", "Phu Pha Man": "เชิญ", "Nong Na Kham": "เชิญ",
}
# Khon Kaen's zones (approximate, for the sample): the Chi, Phong and Choen all cross the
# province roughly from west to east, so within each basin the districts are split into
# thirds by the longitude of their map label point (data/maps): west = upstream.
_KHON_KAEN_ZONES = {
    # เชิญ: Phu Pha Man → Chum Phae, Si Chomphu → Nong Na Kham (towards Ubolratana dam)
    "Phu Pha Man": "upstream", "Chum Phae": "midstream", "Si Chomphu": "midstream",
    "Nong Na Kham": "downstream",
    # พอง
    "Wiang Kao": "upstream", "Nong Ruea": "upstream", "Phu Wiang": "upstream",
    "Ubolratana": "midstream", "Khao Suan Kwang": "midstream", "Nam Phong": "midstream",
    "Sam Sung": "downstream", "Kranuan": "downstream",
    # ชี
    "Khok Pho Chai": "upstream", "Waeng Noi": "upstream", "Waeng Yai": "upstream",
    "Mancha Khiri": "upstream", "Chonnabot": "upstream",
    "Phon": "midstream", "Ban Fang": "midstream", "Phra Yuen": "midstream",
    "Non Sila": "midstream", "Ban Haet": "midstream",
    "Ban Phai": "downstream", "Nong Song Hong": "downstream", "Mueang Khon Kaen": "downstream",
    "Pueai Noi": "downstream",
}
ZONES = ("upstream", "midstream", "downstream")

#: Construction time in years (min, max) per type; within the range, bigger = longer.
DURATION_YEARS = {
    "check_dam": (1, 1), "well": (1, 1), "village_supply": (1, 1),
    "weir": (1, 2), "dredging": (1, 2), "pump_station": (1, 2),
    "canal": (2, 3), "retention": (2, 3), "reservoir": (2, 3), "regulator": (2, 3),
}
#: Typical share of the cost paid in each year from the start, by duration and type (each
#: project gets a jittered copy in 5 % steps). Year one of a multi-year contract pays the
#: advance and early works; earthworks are front-loaded to finish before the rains; dams
#: and regulators put most of the money into the structure in the later years.
PROFILE_SHAPES = {
    2: {"weir": (0.6, 0.4), "dredging": (0.65, 0.35), "pump_station": (0.4, 0.6),
        "canal": (0.45, 0.55), "retention": (0.4, 0.6), "reservoir": (0.3, 0.7),
        "regulator": (0.35, 0.65)},
    3: {"canal": (0.25, 0.45, 0.30), "retention": (0.3, 0.45, 0.25),
        "reservoir": (0.15, 0.45, 0.40), "regulator": (0.2, 0.5, 0.3)},
}
#: Precedence: type -> ((required types, probability, also a neighbouring sub-district), ...).
#: A project may only require a type of lower rank (:data:`REQUIRES_RANK`): no cycles.
REQUIRES = {
    "canal": (("reservoir", "pump_station", "weir"), 0.35, True),
    "pump_station": (("reservoir", "weir"), 0.2, False),
    "village_supply": (("well",), 0.12, False),
}
REQUIRES_RANK = {"reservoir": 0, "weir": 0, "well": 0, "pump_station": 1, "canal": 2,
                 "village_supply": 2}
#: Alternatives for one sub-district need: (types that can be alternatives, probability of
#: a group where the sub-district has two or more of them, types one of which must be in it).
ALTERNATIVES = (
    (("reservoir", "retention", "dredging", "weir"), 0.6, ("reservoir", "retention")),
    (("dredging", "weir"), 0.08, ("dredging", "weir")),
    (("village_supply", "well"), 0.1, ("village_supply", "well")),
)

#: Scarcity: what the proposals a province's own fund may pay for ask, as a multiple of
#: the province's water budget over the plan (real requests far exceed budgets).
DEMAND_RATIO = (2.5, 4.0)
#: Log-normal spread of a proposal's benefit for its cost (σ of the log factor).
VALUE_SPREAD_SIGMA = 0.45
#: Cost range of a project the province's own fund pays for: smaller works are local
#: government's (งบท้องถิ่น), bigger ones a department's (งบกรม).
PROVINCE_FUND_BAHT = (2e6, 20e6)
#: Log-normal spread of each benefit on its own (households, area, storage): a weir that
#: stores much may serve few homes, so the scenarios' weights rank proposals differently.
BENEFIT_MIX_SIGMA = 1.4
#: Share of proposals that are expensive for what they bring (benefits cut to 10–35 %).
POOR_VALUE_SHARE = 0.12

_STRATEGIES = (
    ("การพัฒนาการเกษตรและการบริหารจัดการทรัพยากรน้ำ", "Agriculture and water management"),
    ("การส่งเสริมการค้า การลงทุน และการท่องเที่ยว", "Trade, investment and tourism"),
    ("การพัฒนาคุณภาพชีวิตและสังคม", "Quality of life and society"),
    ("การอนุรักษ์ทรัพยากรธรรมชาติและสิ่งแวดล้อม", "Natural resources and environment"),
    ("การเสริมสร้างความมั่นคงและความปลอดภัย", "Security and safety"),
)

_CENTRAL_AGENCIES = (
    ("DWR", "กรมทรัพยากรน้ำ", "Department of Water Resources"),
    ("RID", "กรมชลประทาน", "Royal Irrigation Department"),
    ("DGR", "กรมทรัพยากรน้ำบาดาล", "Department of Groundwater Resources"),
    ("DLA", "กรมส่งเสริมการปกครองท้องถิ่น", "Department of Local Administration"),
    ("PWA", "การประปาส่วนภูมิภาค", "Provincial Waterworks Authority"),
    ("LDD", "กรมพัฒนาที่ดิน", "Land Development Department"),
)


def _source(seed: int) -> str:
    return f"{GENERATOR} (seed {seed})"


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, u: np.ndarray) -> np.ndarray:
    if hi <= 0:
        return np.zeros_like(u)
    lo = max(lo, 1.0)
    return np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * u)


def _cost_position(type_code: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Where each cost sits in its type's log-uniform range: 0 = cheapest, 1 = dearest."""
    pos = np.zeros(len(cost))
    for t in PROJECT_TYPES:
        m = type_code == t.code
        lo, hi = max(t.cost[0], 1.0), t.cost[1]
        pos[m] = np.log(np.maximum(cost[m], lo) / lo) / np.log(hi / lo)
    return np.clip(pos, 0.0, 1.0)


def _profiles(types: np.ndarray, duration: np.ndarray, rng: np.random.Generator
              ) -> list[tuple[float, ...]]:
    """Jittered copies of the spending shapes (:data:`PROFILE_SHAPES`) in 5 % steps, every
    year ≥ 10 %, summing to 1 (the last year takes the rounding)."""
    n = len(types)
    jitter = rng.uniform(-0.06, 0.06, (n, 3))
    out: list[tuple[float, ...]] = [(1.0,)] * n
    for d, shapes in PROFILE_SHAPES.items():
        for t, base in shapes.items():
            idx = np.flatnonzero((types == t) & (duration == d))
            if not len(idx):
                continue
            p = np.maximum(np.asarray(base) + jitter[idx, :d], 0.1)
            p = np.round(p / p.sum(axis=1, keepdims=True) * 20) / 20
            head = p[:, :-1]
            last = np.round(1.0 - head.sum(axis=1), 2)
            bad = (head.min(axis=1) < 0.1) | (last < 0.1)
            for k, i in enumerate(idx):
                out[i] = (base if bad[k] else
                          tuple(float(v) for v in head[k]) + (float(last[k]),))
    return out


def _fund_sources(types: np.ndarray, cost: np.ndarray, rng: np.random.Generator
                  ) -> list[list[str]]:
    """Budget sources that may fund each project, in the order of
    :data:`oneplan.core.vocab.FUND_SOURCES`.

    Local works (check dams, village supplies, small weirs) are local-government scope
    (งบท้องถิ่น), some also eligible for the provincial budget; groundwater wells are the
    Department of Groundwater Resources' or the LAO's; big reservoirs, retention areas,
    regulators and canals are department scope (งบกรม); most mid-size works may be funded
    by the provincial development budget (งบพัฒนาจังหวัด).
    """
    u = rng.uniform(size=len(types))
    t = types
    province = (((t == "check_dam") & (u < 0.15)) | ((t == "village_supply") & (u < 0.3))
                | ((t == "well") & (u < 0.3)) | np.isin(t, ("weir", "dredging", "pump_station"))
                | ((t == "canal") & ((cost <= 30e6) | (u < 0.3)))
                | ((t == "retention") & (cost <= 40e6))
                | ((t == "reservoir") & (cost <= 50e6) & (u < 0.6))
                | ((t == "regulator") & (cost <= 30e6)))
    province &= (cost >= PROVINCE_FUND_BAHT[0]) & (cost <= PROVINCE_FUND_BAHT[1])
    department = (np.isin(t, ("well", "dredging", "pump_station", "canal", "retention",
                              "reservoir", "regulator"))
                  | ((t == "weir") & (cost > 2e6) & (u < 0.5)))
    lao = (np.isin(t, ("check_dam", "village_supply", "well", "weir"))
           | ((t == "dredging") & (cost < 2e6)))
    code = province * 1 + department * 2 + lao * 4
    combos = {c: [f for k, f in enumerate(FUND_SOURCES) if c >> k & 1] for c in range(8)}
    return [list(combos[c]) for c in code.tolist()]


def _plan_attributes(rng: np.random.Generator, projects: pd.DataFrame, sidx: np.ndarray,
                     sub_dist: np.ndarray, fiscal_year: int) -> pd.DataFrame:
    """The multi-year plan columns of one province's projects (see the module docstring).

    ``sidx`` is each project's sub-district index (sub-districts ordered by code, so
    neighbours in a district are next to each other); ``sub_dist`` the district of each
    sub-district.
    """
    n = len(projects)
    ids = projects["project_id"].to_numpy()
    types = projects["type_code"].to_numpy()
    cost = projects["cost_baht"].to_numpy(dtype=float)
    ready = projects["ready"].to_numpy(dtype=bool)
    pos = _cost_position(types, cost)

    # --- duration and cost profile -----------------------------------------------------
    lo = np.array([DURATION_YEARS[t][0] for t in types])
    hi = np.array([DURATION_YEARS[t][1] for t in types])
    longer = pos + rng.normal(0, 0.12, n) > np.where(types == "reservoir", 0.35, 0.55)
    duration = np.where(longer, hi, lo)
    profiles = _profiles(types, duration, rng)

    # --- alternatives: 2–3 projects of different types for one sub-district need -------
    by_sub: dict[int, list[int]] = {}
    for i, s in enumerate(sidx):
        by_sub.setdefault(int(s), []).append(i)
    group = np.full(n, None, dtype=object)
    n_groups = 0
    for s in sorted(by_sub):
        for kinds, prob, anchor in ALTERNATIVES:
            members = [i for i in by_sub[s] if types[i] in kinds and group[i] is None]
            if not any(types[i] in anchor for i in members):
                continue
            first: dict[str, int] = {}  # one project per type; the first proposal of each
            for i in members:
                first.setdefault(types[i], i)
            if len(first) < 2 or rng.uniform() >= prob:
                continue
            anchored = [i for i in first.values() if types[i] in anchor]
            a = anchored[int(rng.integers(len(anchored)))]
            others = [i for i in first.values() if i != a]
            k = min(len(others), 1 + int(rng.uniform() < 0.4))
            chosen = [a] + [others[j] for j in sorted(rng.choice(len(others), k, replace=False))]
            n_groups += 1
            gid = f"A{fiscal_year}-{projects['province_code'].iat[0]}-{n_groups:04d}"
            for i in chosen:
                group[i] = gid

    # --- precedence: a network project needs its source ---------------------------------
    requires = np.full(n, None, dtype=object)
    n_sub = len(sub_dist)
    for i in range(n):
        rule = REQUIRES.get(types[i])
        if rule is None:
            continue
        kinds, prob, neighbours = rule
        s = int(sidx[i])
        subs = [s]
        if neighbours:
            subs += [j for j in (s - 1, s + 1) if 0 <= j < n_sub and sub_dist[j] == sub_dist[s]]
        for j_sub in subs:  # same sub-district first
            targets = [j for j in by_sub.get(j_sub, ()) if types[j] in kinds and j != i
                       and REQUIRES_RANK[types[j]] < REQUIRES_RANK[types[i]]
                       and (group[i] is None or group[j] != group[i])]
            if targets:
                break
        if not targets or rng.uniform() >= prob:
            continue
        requires[i] = ids[targets[int(rng.integers(len(targets)))]]

    # --- budget sources and earliest start --------------------------------------------
    funds = _fund_sources(types, cost, rng)
    late = rng.uniform(size=n)
    p_late = np.where(ready, 0.08, 0.14)
    offset = np.where(late < p_late * 0.3, 2, np.where(late < p_late, 1, 0))
    offset = np.minimum(offset, 3 - duration)  # still finishes inside a 3-year plan
    return pd.DataFrame({
        "duration_years": duration.astype(int),
        "cost_profile": [list(p) for p in profiles],
        "requires_project_id": requires,
        "alternative_group": group,
        "fund_sources": funds,
        "earliest_start": (fiscal_year + offset).astype(int),
    }, index=projects.index)


def _value_for_money(rng: np.random.Generator, tidx: np.ndarray, hh: np.ndarray,
                     rai: np.ndarray, m3: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread the benefit per baht of the proposals (see :data:`VALUE_SPREAD_SIGMA`).

    Within a type, cost and benefit were drawn from the same position in their ranges, so
    every weir gave about the same households per baht. Real proposal lists are not like
    that: one project's benefit is multiplied by a log-normal factor (median 1, a long tail
    both ways), and about one in eight (:data:`POOR_VALUE_SHARE`) is an expensive,
    low-benefit item (over-specified, a site that serves few people) whose benefits are
    cut to 10–35 %. Costs are not touched (they stay inside their type's range). Drawn
    from its own stream so the draws before it are unchanged.
    """
    n = len(tidx)
    factor = np.exp(rng.normal(0.0, VALUE_SPREAD_SIGMA, n))
    poor = rng.uniform(size=n) < POOR_VALUE_SHARE
    factor = np.where(poor, factor * rng.uniform(0.10, 0.35, n), factor)
    own = np.exp(rng.normal(0.0, BENEFIT_MIX_SIGMA, (3, n)))  # what each one is good at
    return (np.maximum(hh * factor * own[0], 1.0), rai * factor * own[1],
            m3 * factor * own[2])


def eligible_demand(projects: pd.DataFrame, fund_source: str = "province") -> float:
    """Baht asked of ``fund_source`` by the proposals it may fund (``fund_sources``)."""
    ok = projects["fund_sources"].map(lambda f: fund_source in f).to_numpy(dtype=bool)
    return float(projects.loc[ok, "cost_baht"].sum())


def _trim_eligibility(projects: pd.DataFrame, target_baht: float, rng: np.random.Generator
                      ) -> int:
    """Take the provincial fund off proposals (in a random order) until what it may fund
    is at most ``target_baht``; they stay fundable by the department (or their other
    sources). Returns how many were taken off. Changes ``projects`` in place."""
    funds = list(projects["fund_sources"])
    cost = projects["cost_baht"].to_numpy(dtype=float)
    demand = eligible_demand(projects)
    taken = 0
    for i in rng.permutation(len(funds)):
        if demand <= target_baht:
            break
        if "province" not in funds[i] or demand - cost[i] < target_baht * 0.97:
            continue
        rest = [f for f in funds[i] if f != "province"]
        funds[i] = rest or ["department"]
        demand -= cost[i]
        taken += 1
    projects["fund_sources"] = funds
    return taken


def _province_tables(prov: areas.Province, seed: int, projects_min: int, projects_max: int,
                     fiscal_year: int, projects_per_subdistrict: float = 3.5,
                     plan_budget_baht: float | None = None) -> dict[str, pd.DataFrame]:
    """The province's tables; with ``plan_budget_baht`` (the province's water budget over
    the whole plan) the proposals its fund may pay for ask for :data:`DEMAND_RATIO` times
    that budget: a province whose list asks for less draws more proposals (up to
    ``projects_max``), one whose list asks for more has some proposals moved to the
    department's budget."""
    scale = 1.0
    calib = np.random.default_rng((seed * 100 + int(prov.code), 4))
    grow_to = calib.uniform(DEMAND_RATIO[0] + 0.2, DEMAND_RATIO[0] + 0.8)
    trim_to = calib.uniform(DEMAND_RATIO[1] - 0.6, DEMAND_RATIO[1] - 0.1)
    for _ in range(6):
        out = _draw_province(prov, seed, projects_min, projects_max, fiscal_year,
                             projects_per_subdistrict * scale)
        if not plan_budget_baht:
            return out
        ratio = eligible_demand(out["water_projects"]) / plan_budget_baht
        if ratio >= DEMAND_RATIO[0] or len(out["water_projects"]) >= projects_max:
            break
        scale *= grow_to / max(ratio, 0.1)
    if ratio > DEMAND_RATIO[1]:
        _trim_eligibility(out["water_projects"], trim_to * plan_budget_baht, calib)
    return out


def plan_budgets(province_codes: list[str], fiscal_year: int) -> dict[str, float]:
    """Each province's water budget over its whole plan, from the parameters
    (``plan.budget_by_year``, else ``portfolio.budget_baht`` × ``plan.years``)."""
    from oneplan.data.params import load_params

    out = {}
    for code in province_codes:
        p = load_params(code, overrides={"fiscal_year": fiscal_year})
        out[code] = float(sum(p.plan.budget_by_year) if p.plan.budget_by_year
                          else p.portfolio.budget_baht * p.plan.years)
    return out


def _draw_province(prov: areas.Province, seed: int, projects_min: int, projects_max: int,
                   fiscal_year: int, projects_per_subdistrict: float = 3.5
                   ) -> dict[str, pd.DataFrame]:
    """One draw of a province's tables (:func:`_province_tables` calibrates the demand)."""
    rng = np.random.default_rng(seed * 100 + int(prov.code))
    src = _source(seed)
    dists = areas.districts(prov.code)
    subs = [s for d in dists for s in areas.subdistricts(d.code)]
    n_sub = len(subs)

    # --- basins and zones: districts in contiguous blocks per basin -------------------
    if prov.code == "40":
        basin_of = {d.code: _KHON_KAEN_BASINS.get(d.name_en, "ชี") for d in dists}
        zone_of = {d.code: _KHON_KAEN_ZONES.get(d.name_en, "midstream") for d in dists}
    else:
        pool = _REGION_BASINS[prov.region]
        k = min(len(pool), int(rng.integers(2, 4)))
        chosen = [pool[i] for i in sorted(rng.choice(len(pool), size=k, replace=False))]
        blocks = np.array_split(np.arange(len(dists)), k)
        basin_of = {dists[i].code: chosen[b] for b, idx in enumerate(blocks) for i in idx}
        zone_of = {}
        for basin in set(basin_of.values()):
            members = [c for c in sorted(basin_of) if basin_of[c] == basin]
            for i, code in enumerate(members):
                zone_of[code] = ZONES[min(2, 3 * i // max(1, len(members)))]

    # --- sub-districts: population, households, water need ---------------------------
    sub_codes = np.array([s.code for s in subs])
    sub_dist = np.array([s.district_code for s in subs])
    capital = np.array([s.district_code.endswith("01") for s in subs])
    population = np.round(rng.lognormal(np.log(8_000), 0.45, n_sub) * np.where(capital, 2.5, 1.0))
    households = np.round(population / 3.0)
    demand = households * rng.uniform(150, 400, n_sub)  # m³/year for homes and gardens
    demand += rng.uniform(0, 1, n_sub) * households * 1_500  # farm demand, varies a lot
    storage = demand * rng.beta(2, 3, n_sub) * 1.3
    no_piped = np.round(households * rng.beta(1.5, 5, n_sub))
    drought = rng.beta(2, 3, n_sub)
    flood = rng.beta(1.5, 4, n_sub)
    shortfall = np.clip(1 - storage / demand, 0, 1)
    need = 0.35 * shortfall + 0.25 * drought + 0.15 * flood + 0.25 * (no_piped / households)
    need = np.round(need / need.max(), 4)

    area_rows = [
        dict(code=prov.code, level="province", parent_code=None, province_code=prov.code,
             name_th=prov.name_th, name_en=prov.name_en, region=prov.region,
             population=int(population.sum()), households=int(households.sum()))
    ]
    for d in dists:
        mask = sub_dist == d.code
        area_rows.append(dict(code=d.code, level="district", parent_code=prov.code,
                              province_code=prov.code, name_th=d.name_th, name_en=d.name_en,
                              region=prov.region, population=int(population[mask].sum()),
                              households=int(households[mask].sum())))
    for i, s in enumerate(subs):
        area_rows.append(dict(code=s.code, level="subdistrict", parent_code=s.district_code,
                              province_code=prov.code, name_th=s.name_th, name_en=s.name_en,
                              region=prov.region, population=int(population[i]),
                              households=int(households[i])))
    # Villages: about ten per sub-district (75,000 nationally), households split among them.
    n_vil = rng.poisson(9, n_sub) + 3
    vil_sub = np.repeat(np.arange(n_sub), n_vil)
    vil_moo = np.concatenate([np.arange(1, k + 1) for k in n_vil])
    share = rng.gamma(4.0, 1.0, len(vil_sub))
    share /= np.bincount(vil_sub, weights=share)[vil_sub]
    vil_hh = np.maximum(20, np.round(households[vil_sub] * share))
    villages = pd.DataFrame({
        "code": [f"{sub_codes[s]}{m:02d}" for s, m in zip(vil_sub, vil_moo)],
        "level": "village", "parent_code": sub_codes[vil_sub], "province_code": prov.code,
        "name_th": [f"หมู่ที่ {m}" for m in vil_moo], "name_en": [f"Moo {m}" for m in vil_moo],
        "region": prov.region, "population": (vil_hh * 3).astype(int),
        "households": vil_hh.astype(int),
    })
    area_df = pd.concat([pd.DataFrame(area_rows), villages], ignore_index=True)

    water = pd.DataFrame({
        "subdistrict_code": sub_codes, "fiscal_year": fiscal_year, "province_code": prov.code,
        "basin": [basin_of[d] for d in sub_dist], "zone": [zone_of[d] for d in sub_dist],
        "water_demand_m3": np.round(demand), "water_storage_m3": np.round(storage),
        "households_no_piped": no_piped.astype(int), "drought_risk": np.round(drought, 4),
        "flood_risk": np.round(flood, 4), "need_index": need,
    })

    # --- agencies ---------------------------------------------------------------------
    agency_rows = [
        dict(agency_id=f"{prov.code}-PAO", name_th=f"องค์การบริหารส่วนจังหวัด{prov.name_th}",
             name_en=f"{prov.name_en} Provincial Administrative Organisation", level="lao"),
        dict(agency_id=f"{prov.code}-RID", name_th=f"โครงการชลประทาน{prov.name_th}",
             name_en=f"{prov.name_en} Irrigation Project", level="regional"),
        dict(agency_id=f"{prov.code}-DPT", name_th=f"สำนักงานโยธาธิการและผังเมืองจังหวัด{prov.name_th}",
             name_en=f"{prov.name_en} Public Works and Town Planning Office", level="provincial"),
    ]
    for d in dists:
        agency_rows.append(dict(agency_id=f"{d.code}-DO", name_th=f"ที่ว่าการอำเภอ{d.name_th}",
                                name_en=f"{d.name_en} District Office", level="district"))
    for s in subs:
        agency_rows.append(dict(agency_id=f"{s.code}-LAO", name_th=f"อบต./เทศบาล{s.name_th}",
                                name_en=f"{s.name_en} local administration", level="lao"))
    agency_df = pd.DataFrame(agency_rows)
    agency_df["province_code"] = prov.code

    strategies = pd.DataFrame({
        "province_code": prov.code, "issue_no": np.arange(1, len(_STRATEGIES) + 1),
        "name_th": [s[0] for s in _STRATEGIES], "name_en": [s[1] for s in _STRATEGIES],
    })

    # --- water project candidates -----------------------------------------------------
    n_proj = int(np.clip(round(projects_per_subdistrict * n_sub * rng.uniform(0.8, 1.2)),
                         projects_min, projects_max))
    shares = np.array([t.share for t in PROJECT_TYPES])
    tidx = rng.choice(len(PROJECT_TYPES), size=n_proj, p=shares / shares.sum())
    # Needier sub-districts propose more.
    p_sub = 0.5 + need
    sidx = rng.choice(n_sub, size=n_proj, p=p_sub / p_sub.sum())
    size = rng.uniform(0, 1, n_proj)  # where in its type's range a project sits
    noise = lambda: np.clip(size * 0.7 + rng.uniform(0, 1, n_proj) * 0.3, 0, 1)  # noqa: E731
    cost = np.empty(n_proj)
    hh = np.empty(n_proj)
    rai = np.empty(n_proj)
    m3 = np.empty(n_proj)
    for k, t in enumerate(PROJECT_TYPES):
        m = tidx == k
        cost[m] = _log_uniform(rng, *t.cost, size[m])
        hh[m] = _log_uniform(rng, *t.households, noise()[m])
        rai[m] = _log_uniform(rng, *t.area_rai, noise()[m])
        m3[m] = _log_uniform(rng, *t.storage_m3, noise()[m])
    cost = np.round(cost, -3)  # proposals are costed to the thousand baht
    hh, rai, m3 = _value_for_money(np.random.default_rng((seed * 100 + int(prov.code), 3)),
                                   tidx, hh, rai, m3)
    big = cost > 20e6
    has_design = rng.uniform(size=n_proj) < np.where(big, 0.45, 0.7)
    has_land = rng.uniform(size=n_proj) < np.where(big, 0.6, 0.85)
    has_consent = rng.uniform(size=n_proj) < 0.85
    moo = np.minimum(rng.integers(1, 16, n_proj), n_vil[sidx])
    types = [PROJECT_TYPES[k] for k in tidx]
    proj_sub = sub_codes[sidx]
    proj_dist = sub_dist[sidx]
    agency = []
    for t, sc in zip(types, proj_sub):
        if t.agency == "irrigation":
            agency.append(f"{prov.code}-RID")
        elif t.agency == "lao":
            agency.append(f"{sc}-LAO")
        elif t.agency == "groundwater":
            agency.append("DGR")
        else:
            agency.append(f"{prov.code}-PAO")
    names = [f"{t.name_th} หมู่ที่ {m} ตำบล{subs[s].name_th}"
             for t, m, s in zip(types, moo, sidx)]
    projects = pd.DataFrame({
        "project_id": [f"W{fiscal_year}-{prov.code}-{i + 1:05d}" for i in range(n_proj)],
        "province_code": prov.code, "district_code": proj_dist, "subdistrict_code": proj_sub,
        "village_code": [f"{sc}{m:02d}" for sc, m in zip(proj_sub, moo)],
        "fiscal_year": fiscal_year, "name_th": names,
        "type_code": [t.code for t in types], "type_th": [t.name_th for t in types],
        "basin": [basin_of[d] for d in proj_dist], "zone": [zone_of[d] for d in proj_dist],
        "agency_id": agency, "strategy_no": 1, "cost_baht": cost,
        "households_served": np.round(hh).astype(int), "area_rai": np.round(rai),
        "storage_m3": np.round(m3, -1), "has_design_boq": has_design, "has_land": has_land,
        "has_consent": has_consent, "ready": has_design & has_land & has_consent,
        "status": "proposed",
    })
    plan_rng = np.random.default_rng((seed * 100 + int(prov.code), 2))  # v2 stream
    projects = pd.concat(
        [projects, _plan_attributes(plan_rng, projects, sidx, sub_dist, fiscal_year)], axis=1)
    out = {"areas": area_df, "subdistrict_water": water, "agencies": agency_df,
           "strategic_issues": strategies, "water_projects": projects}
    for name, df in out.items():
        df["synthetic"] = True
        df["source_file"] = src
        df["source_sheet"] = f"{name}/{prov.code}"
        df["source_row"] = np.arange(1, len(df) + 1)
    return out


def central_agencies(seed: int) -> pd.DataFrame:
    """The national departments that fund or run water projects (real names)."""
    df = pd.DataFrame(_CENTRAL_AGENCIES, columns=["agency_id", "name_th", "name_en"])
    df["level"] = "central"
    df["province_code"] = None
    df["synthetic"] = False
    df["source_file"] = _source(seed)
    df["source_sheet"] = "agencies/central"
    df["source_row"] = np.arange(1, len(df) + 1)
    return df


def generate(province_codes: list[str] | None = None, *, seed: int = 2567,
             fiscal_year: int = 2570, projects_min: int = 250,
             projects_max: int = 1500, projects_per_subdistrict: float = 3.5,
             plan_budgets_baht: Mapping[str, float] | None | bool = True
             ) -> dict[str, pd.DataFrame]:
    """Generate the sample for the given provinces (default: all 76).

    Each province gets about ``projects_per_subdistrict`` × its sub-districts water project
    candidates (±20 %), clipped to ``[projects_min, projects_max]``; raise them for a
    bigger instance (the benchmark uses ~8 per sub-district for ~60,000 nationally).

    Scarcity: the proposals a province's own fund may pay for ask for 2.5–4 times the
    province's water budget over the plan (:data:`DEMAND_RATIO`; more proposals are drawn
    where they ask for less, some move to the department's budget where they ask for
    more). ``plan_budgets_baht`` maps province code → that budget; ``True`` (default)
    reads it from the parameters (:func:`plan_budgets`), ``None``/``False`` turns the
    calibration off (proposals by size only).

    Returns:
        A dict of table name → DataFrame, with the columns of ``schema.sql``.
    """
    provs = ([areas.province(c) for c in province_codes] if province_codes
             else areas.planning_provinces())
    if plan_budgets_baht is True:
        plan_budgets_baht = plan_budgets([p.code for p in provs], fiscal_year)
    budgets = dict(plan_budgets_baht or {})
    parts: dict[str, list[pd.DataFrame]] = {}
    for prov in provs:
        for name, df in _province_tables(prov, seed, projects_min, projects_max,
                                         fiscal_year, projects_per_subdistrict,
                                         budgets.get(prov.code)).items():
            parts.setdefault(name, []).append(df)
    tables = {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}
    tables["agencies"] = pd.concat([central_agencies(seed), tables["agencies"]],
                                   ignore_index=True)
    log.info("generated sample for %d provinces: %s", len(provs),
             {k: len(v) for k, v in tables.items()})
    return tables
