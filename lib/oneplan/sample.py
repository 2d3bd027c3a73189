"""Deterministic synthetic sample data for every one of the 76 provinces.

Real codes and names (provinces, districts, sub-districts) come from :mod:`oneplan.areas`;
everything else — population, villages, water need, agencies' proposals, costs, benefits —
is generated from a seed and marked ``synthetic = true`` in every row, with the generator
named in ``source_file``. Each province is generated from its own seed
(``seed * 100 + province code``), so one province's sample does not change when another
is added or removed.

Orders of magnitude follow ``DESIGN.md`` ("Making the synthetic sample plausible"); they are
for a believable sample only, not official unit costs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import areas

log = logging.getLogger(__name__)

GENERATOR = "oneplan.sample v1"
SYNTHETIC_NOTE_TH = "ข้อมูลตัวอย่างสังเคราะห์ ไม่ใช่ข้อมูลจริง"
SYNTHETIC_NOTE_EN = "Synthetic sample data — not real figures"


@dataclass(frozen=True)
class ProjectType:
    code: str
    name_th: str
    name_en: str
    share: float                      # share of candidates of this type
    cost: tuple[float, float]         # baht, log-uniform range
    households: tuple[float, float]   # households served
    area_rai: tuple[float, float]     # area irrigated or protected, rai
    storage_m3: tuple[float, float]   # storage added, m³
    agency: str                       # who usually proposes it (see _agency_for)


# Typical cost and benefit ranges per type (DESIGN.md); zeros mean "not this kind of benefit".
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
ZONES = ("upstream", "midstream", "downstream")
ZONE_TH = {"upstream": "ต้นน้ำ", "midstream": "กลางน้ำ", "downstream": "ปลายน้ำ"}

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


def _province_tables(prov: areas.Province, seed: int, projects_min: int, projects_max: int,
                     fiscal_year: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed * 100 + int(prov.code))
    src = _source(seed)
    dists = areas.districts(prov.code)
    subs = [s for d in dists for s in areas.subdistricts(d.code)]
    n_sub = len(subs)

    # --- basins and zones: districts in contiguous blocks per basin -------------------
    if prov.code == "40":
        basin_of = {d.code: _KHON_KAEN_BASINS.get(d.name_en, "ชี") for d in dists}
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
    n_proj = int(np.clip(round(3.5 * n_sub * rng.uniform(0.8, 1.2)), projects_min, projects_max))
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
             projects_max: int = 1500) -> dict[str, pd.DataFrame]:
    """Generate the sample for the given provinces (default: all 76).

    Returns:
        A dict of table name → DataFrame, with the columns of ``schema.sql``.
    """
    provs = ([areas.province(c) for c in province_codes] if province_codes
             else areas.planning_provinces())
    parts: dict[str, list[pd.DataFrame]] = {}
    for prov in provs:
        for name, df in _province_tables(prov, seed, projects_min, projects_max,
                                         fiscal_year).items():
            parts.setdefault(name, []).append(df)
    tables = {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}
    tables["agencies"] = pd.concat([central_agencies(seed), tables["agencies"]],
                                   ignore_index=True)
    log.info("generated sample for %d provinces: %s", len(provs),
             {k: len(v) for k, v in tables.items()})
    return tables
