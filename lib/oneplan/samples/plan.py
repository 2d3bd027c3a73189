"""Synthetic sample of the Surin One Plan / Plan101Pro tables for every province.

Added to a sample build by :func:`oneplan.data.build.build_sample` (``db.SAMPLE_EXTENSIONS``)
after the core tables are in: it reads the villages, agencies and strategic issues already
there and writes ``needs``, ``need_stages``, ``proposals`` and ``progress``. Everything is
generated and labelled synthetic (``synthetic = true``, ``source_file`` naming this
generator and its seed); each province has its own random stream
(``(seed, province code, 4)``), so one province's sample does not change when another is
added.

What it looks like (fiscal year F, Gregorian year Y = F − 543, so F runs Oct Y−1 – Sep Y):

* **Needs.** About 15 % of the villages of every sub-district enter nothing (the report's
  "silent villages"); the others enter 1 + Poisson(0.25) needs — about 80,000 nationally.
  Categories, descriptions and cost ranges per category are in :data:`CATEGORIES`; 2 %
  of the needs come without a cost estimate (the committees cannot classify them).
  Villages enter needs in a short window (June–July of Y−2, the year before the plan is
  made).
* **Stages.** The sub-district committee (กบต.) meets 1–5 weeks later, the district
  committee (กบอ.) after that for needs beyond the sub-district; the provincial plan is
  approved in October–November of Y−2, budget requested December–January, allocated
  from October of Y−1 (the fiscal year's start), then procurement, contract, works.
  Authority levels follow the default rules of :mod:`oneplan.data.params` (``needs``);
  village self-help goes from the agency straight to the works, local (LAO / joint)
  needs skip the district committee, as :data:`oneplan.plan.needs.TRANSITIONS` allows. Some
  needs are rejected (with the committee's reason) or merged into a need of the same
  category in the same sub-district (reason and link). Only stages dated on or before
  the snapshot day (:func:`snapshot_date`, the end of the third fiscal quarter) are
  recorded, so the sample is a picture of the year as of that day.
* **Proposals.** Every need beyond village self-help that reached an agency becomes a
  proposal of that agency (LAO, district office, the provincial office of its sector or
  a department's regional office), costed at 0.9–1.3 × the village's estimate; agencies
  add their own proposals (about 15 % more). Drawings, BOQ, photos and land documents
  are present or missing (NULL), more often present for funded ones.
* **Progress.** Every funded proposal reports each quarter from its allocation:
  cumulative disbursement, physical progress, procurement stage, problems. About one in
  five runs late (works take 1.4–2.5 × the plan); one in ten skipped the last
  quarterly report and one in twenty the last two (stale data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from oneplan.core import areas
from oneplan.plan.followup import quarter_end
from oneplan.plan.needs import MAIN_LINE, classify
from oneplan.data.params import NeedsParams

log = logging.getLogger(__name__)

GENERATOR = "oneplan.samples.plan v1"
SNAPSHOT_QUARTER = 3
"""The sample is a picture of the fiscal year at the end of this fiscal quarter."""
META_KEY = "plan_as_of"
"""``meta`` key holding the snapshot day (ISO date) of the plan sample."""


@dataclass(frozen=True)
class Category:
    """A need category of the sample: its share of the needs, cost range and typical
    descriptions."""

    share: float
    cost: tuple[float, float]     # baht, log-uniform
    items: tuple[str, ...]        # Thai descriptions of typical needs


CATEGORIES: dict[str, Category] = {
    "water": Category(0.22, (30e3, 15e6), (
        "ขุดลอกสระน้ำสาธารณะ", "ขยายเขตประปาหมู่บ้าน", "เจาะบ่อบาดาลเพื่อการเกษตร",
        "ก่อสร้างฝายชะลอน้ำ", "ปรับปรุงระบบประปาหมู่บ้าน")),
    "road": Category(0.25, (100e3, 20e6), (
        "ก่อสร้างถนนคอนกรีตเสริมเหล็ก", "ซ่อมแซมถนนลูกรังเพื่อการเกษตร",
        "ก่อสร้างท่อลอดเหลี่ยม", "ลาดยางถนนเชื่อมระหว่างหมู่บ้าน")),
    "electricity": Category(0.10, (50e3, 5e6), (
        "ขยายเขตไฟฟ้าสู่พื้นที่การเกษตร", "ติดตั้งไฟฟ้าส่องสว่างถนนในหมู่บ้าน",
        "ติดตั้งระบบสูบน้ำพลังงานแสงอาทิตย์")),
    "agriculture": Category(0.12, (20e3, 8e6), (
        "ส่งเสริมการปลูกพืชหลังนา", "จัดตั้งธนาคารเมล็ดพันธุ์ข้าว",
        "ก่อสร้างลานตากผลผลิตทางการเกษตร", "ส่งเสริมเกษตรอินทรีย์")),
    "occupation": Category(0.10, (10e3, 3e6), (
        "ฝึกอาชีพทอผ้าไหม", "ส่งเสริมกลุ่มวิสาหกิจชุมชน", "จัดตั้งตลาดชุมชน")),
    "health": Category(0.06, (10e3, 3e6), (
        "ปรับปรุงศาลาอาสาสมัครสาธารณสุขประจำหมู่บ้าน", "รณรงค์ป้องกันโรคไข้เลือดออก",
        "จัดหาอุปกรณ์ดูแลผู้สูงอายุติดเตียง")),
    "education": Category(0.05, (20e3, 5e6), (
        "ปรับปรุงศูนย์พัฒนาเด็กเล็ก", "จัดหาสื่อการเรียนการสอน", "ก่อสร้างรั้วโรงเรียน")),
    "environment": Category(0.04, (10e3, 3e6), (
        "จัดการขยะมูลฝอยชุมชน", "ปลูกป่าชุมชน", "ขุดลอกคูระบายน้ำในหมู่บ้าน")),
    "safety": Category(0.04, (10e3, 4e6), (
        "ติดตั้งกล้องวงจรปิดในหมู่บ้าน", "จัดตั้งจุดตรวจจุดสกัดชุมชน",
        "ติดตั้งป้ายและสัญญาณไฟจราจร")),
    "other": Category(0.02, (10e3, 2e6), (
        "ปรับปรุงศาลาประชาคมหมู่บ้าน", "ก่อสร้างศาลาอเนกประสงค์")),
}
CAT_CODES = tuple(CATEGORIES)

# Sector offices added to every province's agencies: suffix -> (level, Thai, English).
SECTOR_AGENCIES = {
    "RRD": ("regional", "แขวงทางหลวงชนบท{p}", "{p} Rural Roads Office"),
    "PEA": ("regional", "การไฟฟ้าส่วนภูมิภาคจังหวัด{p}", "{p} Provincial Electricity Authority office"),
    "AGR": ("provincial", "สำนักงานเกษตรจังหวัด{p}", "{p} Provincial Agriculture Office"),
    "CDO": ("provincial", "สำนักงานพัฒนาชุมชนจังหวัด{p}", "{p} Provincial Community Development Office"),
    "PHO": ("provincial", "สำนักงานสาธารณสุขจังหวัด{p}", "{p} Provincial Public Health Office"),
    "EDU": ("provincial", "สำนักงานศึกษาธิการจังหวัด{p}", "{p} Provincial Education Office"),
    "NRE": ("provincial", "สำนักงานทรัพยากรธรรมชาติและสิ่งแวดล้อมจังหวัด{p}",
            "{p} Provincial Natural Resources and Environment Office"),
    "DDP": ("provincial", "สำนักงานป้องกันและบรรเทาสาธารณภัยจังหวัด{p}",
            "{p} Provincial Disaster Prevention and Mitigation Office"),
}
# Which provincial agency carries a need of each category at province / department level.
PROVINCE_AGENCY = {"water": "PAO", "road": "DPT", "electricity": "PEA", "agriculture": "AGR",
                   "occupation": "CDO", "health": "PHO", "education": "EDU",
                   "environment": "NRE", "safety": "DDP", "other": "DPT"}
DEPARTMENT_AGENCY = {**PROVINCE_AGENCY, "water": "RID", "road": "RRD", "agriculture": "RID"}

REJECT_TAMBON = ("ซ้ำซ้อนกับโครงการที่ได้รับงบประมาณแล้ว", "ไม่อยู่ในอำนาจหน้าที่ของหน่วยงานรัฐ",
                 "พื้นที่ดำเนินการไม่เหมาะสม", "ข้อมูลประกอบไม่ครบถ้วน")
REJECT_AMPHOE = ("ไม่สอดคล้องกับแผนพัฒนาอำเภอ", "ซ้ำซ้อนกับโครงการของหน่วยงานอื่น",
                 "พื้นที่ทับซ้อนเขตป่าสงวนแห่งชาติ")
REJECT_AGENCY = ("ไม่ผ่านการจัดลำดับความสำคัญของจังหวัด", "หน่วยงานไม่มีภารกิจรองรับ")
REJECT_NO_COST = "ไม่ระบุประมาณการค่าใช้จ่าย กลั่นกรองไม่ได้"
PROBLEMS = ("ผู้รับจ้างขาดแคลนแรงงาน", "ฝนตกชุก ทำงานไม่ได้ตามแผน", "ราคาวัสดุก่อสร้างสูงขึ้น",
            "รอการอนุญาตใช้พื้นที่", "แบบรูปไม่ตรงกับสภาพพื้นที่ ต้องแก้ไขแบบ",
            "ประกาศประกวดราคาซ้ำ ไม่มีผู้ยื่นเสนอ")

_S = {s: i for i, s in enumerate(MAIN_LINE)}
# Chance a need stops at each stage (stays there, or is rejected / merged by the next
# committee): stage -> (stay, reject, merge).
_STOP = {
    "submitted": (0.03, 0.06, 0.04),
    "tambon_screened": (0.01, 0.05, 0.02),   # for needs going on to the กบอ.
    "amphoe_screened": (0.02, 0.0, 0.0),
    "agency_assigned": (0.10, 0.05, 0.0),
    "in_plan": (0.15, 0.0, 0.0),
    "budget_requested": (0.60, 0.0, 0.0),    # awaiting budget; LAO budgets: 0.45
    "allocated": (0.02, 0.0, 0.0),
    "procurement": (0.05, 0.0, 0.0),
    "contract": (0.02, 0.0, 0.0),
    "in_progress": (0.0, 0.0, 0.0),          # completion is decided by the dates
}


def snapshot_date(fiscal_year: int) -> date:
    """The day the sample stands at: the end of fiscal quarter :data:`SNAPSHOT_QUARTER`."""
    return quarter_end(fiscal_year, SNAPSHOT_QUARTER)


def _source(seed: int) -> str:
    return f"{GENERATOR} (seed {seed})"


def _d(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


def _days(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return np.round(rng.uniform(lo, hi, n)).astype("timedelta64[D]")


def _log_uniform(u: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * u)


def _simulate(rng: np.random.Generator, authority: np.ndarray, start: np.ndarray,
              fiscal_year: int, classified: np.ndarray) -> dict[str, np.ndarray]:
    """Stage dates of each item along its path, and how it ends.

    Returns:
        ``dates`` (n × len(MAIN_LINE), NaT where not reached before the snapshot),
        ``end`` ('' / 'rejected' / 'merged'), ``end_on``, ``end_at`` (stage index it
        ended after), ``slip`` (works duration factor), ``duration`` (planned days).
    """
    n = len(authority)
    y = fiscal_year - 543
    k = len(MAIN_LINE)
    village = authority == "village"
    local = np.isin(authority, ("lao", "joint"))
    in_path = np.ones((n, k), dtype=bool)
    in_path[village | local, _S["amphoe_screened"]] = False
    for s in ("in_plan", "budget_requested", "allocated", "procurement", "contract"):
        in_path[village, _S[s]] = False
    for i0 in np.unique(start):  # items entering later (agencies' own proposals)
        in_path[start == i0, :i0] = False

    # planned dates along the full path (cumulative gaps; fixed calendar anchors)
    planned = np.full((n, k), np.datetime64("NaT"), dtype="datetime64[D]")
    win = _d(date(y - 2, 6, 1))
    t = win + _days(rng, 0, 60, n)
    planned[:, 0] = t
    gaps = {
        "tambon_screened": (7, 35), "amphoe_screened": (7, 30), "agency_assigned": (5, 30),
        "procurement": (10, 60), "contract": (20, 90), "in_progress": (5, 20),
    }
    anchors = {"in_plan": (date(y - 2, 10, 15), 40), "budget_requested": (date(y - 2, 12, 1), 45),
               "allocated": (date(y - 1, 10, 10), 75)}
    size = rng.uniform(0, 1, n)
    duration = np.round(45 + 220 * size + rng.uniform(0, 40, n))   # planned works, days
    late = rng.uniform(size=n) < 0.2
    slip = np.where(late, rng.uniform(1.4, 2.5, n), rng.uniform(0.8, 1.15, n))
    for j in range(1, k):
        s = MAIN_LINE[j]
        if s in anchors:
            a, spread = anchors[s]
            nxt = np.maximum(t + _days(rng, 5, 20, n), _d(a) + _days(rng, 0, spread, n))
        elif s == "completed":
            nxt = t + np.round(duration * slip).astype("timedelta64[D]")
        elif s == "in_progress":
            # village self-help starts soon after the กบต. assigns it
            nxt = np.where(village, t + _days(rng, 15, 120, n), t + _days(rng, *gaps[s], n))
        else:
            nxt = t + _days(rng, *gaps[s], n)
        if s == "completed":
            nxt = np.where(village, t + _days(rng, 15, 90, n), nxt)
        # an item's dates only advance along its own path
        t = np.where(in_path[:, j], nxt, t)
        planned[:, j] = np.where(in_path[:, j], nxt, np.datetime64("NaT"))
    # items entering later start on their own first date
    for i0 in np.unique(start):
        if i0 > 0:
            m = start == i0
            planned[m, :i0] = np.datetime64("NaT")

    # where each item stops: stay, reject or merge
    stop_at = np.full(n, k - 1)
    end = np.full(n, "", dtype=object)
    u = rng.uniform(size=(n, k))
    decided = np.zeros(n, dtype=bool)
    for j, s in enumerate(MAIN_LINE[:-1]):
        here = in_path[:, j] & ~decided
        stay, rej, mer = _STOP[s]
        if s == "tambon_screened":
            stay, rej, mer = np.where(local | village, 0.01, stay), np.where(
                local | village, 0.0, rej), np.where(local | village, 0.0, mer)
        if s == "budget_requested":
            stay = np.where(local, 0.45, stay)
        if s == "agency_assigned":
            stay = np.where(village, 0.2, stay)
            rej = np.where(village, 0.0, rej)
        if s == "submitted":
            stay = np.where(classified, stay, 0.5)
            rej = np.where(classified, rej, 0.5)
            mer = np.where(classified, mer, 0.0)
        r = u[:, j]
        s_stay = here & (r < stay)
        s_rej = here & ~s_stay & (r < np.asarray(stay) + rej)
        s_mer = here & ~s_stay & ~s_rej & (r < np.asarray(stay) + rej + mer)
        stop = s_stay | s_rej | s_mer
        stop_at[stop] = j
        end[s_rej] = "rejected"
        end[s_mer] = "merged"
        decided |= stop
    # the committee decides a rejection / merge on the date of its next stage
    nxt_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    for j in range(k - 1):
        m = (stop_at == j) & (end != "")
        if m.any():
            later = planned[m, j + 1:]
            first = np.argmax(~np.isnat(later), axis=1)
            nxt_on[m] = later[np.arange(m.sum()), first]
    cols = np.arange(k)[None, :]
    dates = np.where(cols <= stop_at[:, None], planned, np.datetime64("NaT"))
    snap = _d(snapshot_date(fiscal_year))
    dates = np.where(dates <= snap, dates, np.datetime64("NaT"))
    # a stage not reached by the snapshot hides every later one
    reached = ~np.isnat(dates) | ~in_path
    blocked = np.cumsum(~reached, axis=1) > 0
    dates = np.where(blocked, np.datetime64("NaT"), dates)
    end_ok = (end != "") & ~np.isnat(nxt_on) & (nxt_on <= snap) & ~blocked[np.arange(n), stop_at]
    end = np.where(end_ok, end, "")
    return {"dates": dates, "end": end, "end_on": np.where(end_ok, nxt_on, np.datetime64("NaT")),
            "end_at": stop_at, "slip": slip, "duration": duration}


def _agency_for(authority: np.ndarray, category: np.ndarray, sub: np.ndarray,
                dist: np.ndarray, prov: str) -> np.ndarray:
    out = np.empty(len(authority), dtype=object)
    for i, (a, c) in enumerate(zip(authority, category)):
        if a in ("lao", "joint", "village"):
            out[i] = f"{sub[i]}-LAO"
        elif a == "district":
            out[i] = f"{dist[i]}-DO"
        elif a == "province":
            out[i] = f"{prov}-{PROVINCE_AGENCY[c]}"
        else:
            out[i] = f"{prov}-{DEPARTMENT_AGENCY[c]}"
    return out


def _province(con_villages: pd.DataFrame, prov: areas.Province, seed: int, fiscal_year: int,
              rules: NeedsParams, sub_names: dict[str, str]) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng((seed, int(prov.code), 4))
    src = _source(seed)
    fy = int(fiscal_year)
    vil = con_villages
    nv = len(vil)
    silent = rng.uniform(size=nv) < 0.15
    counts = np.where(silent, 0, 1 + rng.poisson(0.25, nv))
    vidx = np.repeat(np.arange(nv), counts)
    n = len(vidx)
    vcode = vil["code"].to_numpy()[vidx]
    sub = vil["parent_code"].to_numpy()[vidx]
    dist = np.array([s[:4] for s in sub], dtype=object)
    vhh = vil["households"].to_numpy()[vidx]
    shares = np.array([c.share for c in CATEGORIES.values()])
    cidx = rng.choice(len(CAT_CODES), size=n, p=shares / shares.sum())
    cat = np.array(CAT_CODES, dtype=object)[cidx]
    lo = np.array([CATEGORIES[c].cost[0] for c in CAT_CODES])[cidx]
    hi = np.array([CATEGORIES[c].cost[1] for c in CAT_CODES])[cidx]
    cost = np.round(_log_uniform(rng.uniform(size=n), lo, hi), -3)
    cost = np.where(rng.uniform(size=n) < 0.02, np.nan, cost)
    hh = np.maximum(5, np.round(vhh * rng.beta(2, 3, n))).astype(int)
    items = [CATEGORIES[c].items for c in cat]
    pick = rng.uniform(size=n)
    moo = np.array([int(v[6:]) for v in vcode])
    desc = [f"{it[int(p * len(it))]} หมู่ที่ {m}" for it, p, m in zip(items, pick, moo)]
    ids = np.array([f"N{fy}-{prov.code}-{i + 1:06d}" for i in range(n)], dtype=object)

    needs = pd.DataFrame({"need_id": ids, "category": cat, "estimated_cost": cost})
    cls = classify(needs, rules)
    authority = cls["authority"].to_numpy(dtype=object)
    strategy = cls["strategy_no"].to_numpy(dtype=object)
    sim = _simulate(rng, authority, np.zeros(n, dtype=int), fy, pd.notna(cost))
    dates, end = sim["dates"], sim["end"]

    # merges: into another need of the same category in the same sub-district
    merged_into = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    key = pd.Series(list(zip(sub, cat)))
    groups = key.groupby(key).indices
    for i in np.flatnonzero(end == "merged"):
        cands = [j for j in groups[key[i]] if j != i and end[j] == ""]  # a need still open
        if not cands:
            end[i] = "rejected"
            continue
        j = cands[int(rng.integers(len(cands)))]
        merged_into[i] = ids[j]
        reason[i] = f"รวมกับความต้องการ {ids[j]} ลักษณะเดียวกันในตำบลเดียวกัน"
    for i in np.flatnonzero(end == "rejected"):
        j = sim["end_at"][i]
        reason[i] = (REJECT_NO_COST if pd.isna(cost[i]) else
                     rng.choice(REJECT_TAMBON) if j == 0 or (j == 1 and authority[i] in
                                                             ("village", "lao", "joint"))
                     else rng.choice(REJECT_AMPHOE) if j <= _S["amphoe_screened"]
                     else rng.choice(REJECT_AGENCY))

    # current stage and the stage rows
    has = ~np.isnat(dates)
    last = np.where(has.any(axis=1), has.shape[1] - 1 - np.argmax(has[:, ::-1], axis=1), 0)
    stage = np.array(MAIN_LINE, dtype=object)[last]
    stage = np.where(end != "", end, stage)
    rows_i, rows_j = np.nonzero(has)
    st = pd.DataFrame({"need_id": ids[rows_i], "stage": np.array(MAIN_LINE)[rows_j],
                       "stage_on": dates[rows_i, rows_j], "reason": None,
                       "linked_need_id": None})
    e = np.flatnonzero(end != "")
    st = pd.concat([st, pd.DataFrame({"need_id": ids[e], "stage": end[e],
                                      "stage_on": sim["end_on"][e], "reason": reason[e],
                                      "linked_need_id": merged_into[e]})], ignore_index=True)
    # classified once the กบต. has screened the need
    screened = has[:, _S["tambon_screened"]] | ((end != "") & (sim["end_at"] >= 1))
    needs = pd.DataFrame({
        "need_id": ids, "fiscal_year": fy, "village_code": vcode, "subdistrict_code": sub,
        "district_code": dist, "province_code": prov.code, "category": cat,
        "description": desc, "households": hh, "estimated_cost": cost,
        "submitted_on": dates[:, 0],
        "authority": np.where(screened, authority, None),
        "strategy_no": pd.array(np.where(screened, strategy, None), dtype="Int64"),
        "stage": stage, "merged_into": merged_into, "project_id": None,
    })

    # --- proposals: needs that reached an agency (not village self-help) + agencies' own
    reached_agency = has[:, _S["agency_assigned"]] & (authority != "village")
    pi = np.flatnonzero(reached_agency)
    n_own = int(round(len(pi) * 0.15))
    own_cat = np.array(CAT_CODES, dtype=object)[rng.choice(len(CAT_CODES), n_own,
                                                           p=shares / shares.sum())]
    own_auth = np.where(rng.uniform(size=n_own) < 0.6, "province", "department")
    subs_all = np.array(sorted(vil["parent_code"].unique()), dtype=object)
    own_sub = subs_all[rng.integers(0, len(subs_all), n_own)]
    own_sim = _simulate(rng, own_auth.astype(object),
                        np.full(n_own, _S["agency_assigned"]), fy, np.ones(n_own, bool))
    m = len(pi) + n_own
    p_auth = np.concatenate([authority[pi], own_auth]).astype(object)
    p_cat = np.concatenate([cat[pi], own_cat]).astype(object)
    p_sub = np.concatenate([sub[pi], own_sub]).astype(object)
    p_dist = np.array([s[:4] for s in p_sub], dtype=object)
    p_dates = np.concatenate([dates[pi], own_sim["dates"]])
    p_end = np.concatenate([end[pi], own_sim["end"]])
    p_slip = np.concatenate([sim["slip"][pi], own_sim["slip"]])
    p_dur = np.concatenate([sim["duration"][pi], own_sim["duration"]])
    own_cost = np.round(_log_uniform(rng.uniform(size=n_own), np.full(n_own, 1e6),
                                     np.full(n_own, 50e6)), -3)
    p_cost = np.concatenate([np.nan_to_num(cost[pi], nan=500e3)
                             * rng.uniform(0.9, 1.3, len(pi)), own_cost])
    p_cost = np.maximum(np.round(p_cost, -3), 1000.0)
    own_hh = np.round(rng.lognormal(np.log(300), 0.8, n_own)).astype(int)
    p_hh = np.concatenate([hh[pi], own_hh])
    own_strat = np.array([rules.strategy_by_category.get(c) for c in own_cat], dtype=object)
    p_strat = np.concatenate([strategy[pi], own_strat]).astype(object)
    pids = np.array([f"P{fy}-{prov.code}-{i + 1:05d}" for i in range(m)], dtype=object)
    p_has = ~np.isnat(p_dates)
    p_last = p_has.shape[1] - 1 - np.argmax(p_has[:, ::-1], axis=1)
    status = np.array(MAIN_LINE, dtype=object)[p_last]
    status = np.where(status == "agency_assigned", "proposed", status)
    status = np.where(p_end == "rejected", "cancelled", status)
    funded = p_has[:, _S["allocated"]]
    allocated = np.where(funded, np.round(p_cost * rng.uniform(0.85, 1.0, m), -3), np.nan)
    # documents: funded proposals were more often complete
    base = np.array([0.70, 0.75, 0.88, 0.65])
    present = rng.uniform(size=(m, 4)) < np.clip(base + np.where(funded, 0.2, 0.0)[:, None]
                                                 - np.where(p_cost > 10e6, 0.1, 0.0)[:, None],
                                                 0, 0.98)
    refs = {col: np.where(present[:, k], [f"attachments/{p}/{fname}" for p in pids], None)
            for k, (col, fname) in enumerate((("drawing_ref", "drawing.pdf"),
                                              ("boq_ref", "boq.xlsx"),
                                              ("photo_ref", "photos.zip"),
                                              ("land_ref", "land.pdf")))}
    planned_start = np.where(funded, p_dates[:, _S["allocated"]] + np.timedelta64(75, "D"),
                             np.datetime64("NaT"))
    planned_end = planned_start + p_dur.astype("timedelta64[D]")
    p_need = np.concatenate([ids[pi], np.full(n_own, None, dtype=object)])
    p_vil = np.concatenate([vcode[pi], np.full(n_own, None, dtype=object)])
    names = [f"{d} ตำบล{sub_names.get(s, '')}" for d, s in
             zip(np.concatenate([np.array(desc, dtype=object)[pi],
                                 [CATEGORIES[c].items[0] for c in own_cat]]), p_sub)]
    proposals = pd.DataFrame({
        "project_id": pids, "fiscal_year": fy, "province_code": prov.code,
        "district_code": p_dist, "subdistrict_code": p_sub, "village_code": p_vil,
        "agency_id": _agency_for(p_auth, p_cat, p_sub, p_dist, prov.code),
        "name_th": names, "category": p_cat, "strategy_no": pd.array(p_strat, dtype="Int64"),
        "cost_baht": p_cost, "households": p_hh,
        "beneficiaries": np.round(p_hh * rng.uniform(2.8, 3.6, m)).astype(int),
        "need_id": p_need, **refs, "status": status, "allocated_baht": allocated,
        "planned_start": planned_start, "planned_end": planned_end,
    })
    # the need points at the proposal that carries it (merged needs: their target's)
    pid_of_need = dict(zip(ids[pi], pids[: len(pi)]))
    needs["project_id"] = [pid_of_need.get(i) for i in ids]
    tgt = needs["merged_into"].map(pid_of_need)
    needs["project_id"] = needs["project_id"].where(needs["project_id"].notna(), tgt)

    progress = _progress(rng, proposals, p_dates, p_slip, fy)
    out = {"needs": needs, "need_stages": st, "proposals": proposals, "progress": progress}
    for name, df in out.items():
        df["source_file"] = src
        df["source_sheet"] = f"{name}/{prov.code}"
        df["source_row"] = np.arange(1, len(df) + 1)
        if name != "need_stages":
            df["synthetic"] = True
    return out


def _progress(rng: np.random.Generator, proposals: pd.DataFrame, dates: np.ndarray,
              slip: np.ndarray, fiscal_year: int) -> pd.DataFrame:
    """Quarterly reports of funded proposals, from the quarter of their allocation to the
    snapshot quarter; some skip the latest report(s)."""
    funded = ~np.isnat(dates[:, _S["allocated"]])
    idx = np.flatnonzero(funded)
    m = len(idx)
    u_skip = rng.uniform(size=m)
    skip = np.where(u_skip < 0.05, 2, np.where(u_skip < 0.15, 1, 0))  # missed reports
    advance = rng.uniform(size=m) < 0.5
    pay = rng.uniform(0.85, 1.0, m)
    problem = rng.uniform(size=m)
    rows = []
    alloc = proposals["allocated_baht"].to_numpy()[idx]
    pid = proposals["project_id"].to_numpy()[idx]
    d = dates[idx]
    stage_names = np.array(MAIN_LINE, dtype=object)
    for q in range(1, SNAPSHOT_QUARTER + 1):
        end_q = _d(quarter_end(fiscal_year, q))
        show = (d[:, _S["allocated"]] <= end_q) & (q <= SNAPSHOT_QUARTER - skip)
        known = ~np.isnat(d) & (d <= end_q)
        last = known.shape[1] - 1 - np.argmax(known[:, ::-1], axis=1)
        start = d[:, _S["in_progress"]]
        done = d[:, _S["completed"]]
        elapsed = (end_q - start).astype(float)
        planned = proposals["planned_end"].to_numpy()[idx] - proposals[
            "planned_start"].to_numpy()[idx]
        total = np.maximum(planned.astype("timedelta64[D]").astype(float) * slip[idx], 1)
        phys = np.where(~np.isnat(done) & (done <= end_q), 100.0,
                        np.where(~np.isnat(start) & (start <= end_q),
                                 np.clip(elapsed / total * 100, 1, 95), 0.0))
        signed = ~np.isnat(d[:, _S["contract"]]) & (d[:, _S["contract"]] <= end_q)
        paid = np.where(phys >= 100, alloc * np.maximum(pay, 0.95),
                        alloc * (0.15 * (advance & signed) + 0.85 * phys / 100 * pay))
        paid = np.where(signed, np.round(paid, -2), 0.0)
        prob = np.where((slip[idx] > 1.3) & (phys > 0) & (phys < 100),
                        [PROBLEMS[int(p * len(PROBLEMS))] for p in problem],
                        np.where((problem < 0.05) & (last == _S["procurement"]),
                                 PROBLEMS[-1], None))
        for k in np.flatnonzero(show):
            rows.append((pid[k], fiscal_year, q, float(paid[k]), round(float(phys[k]), 1),
                         stage_names[last[k]], prob[k],
                         end_q - np.timedelta64(int(problem[k] * 10), "D")))
    df = pd.DataFrame(rows, columns=["project_id", "fiscal_year", "quarter", "disbursed_baht",
                                     "physical_pct", "stage", "problems", "reported_on"])
    # cumulative figures never go down from one quarter to the next
    df = df.sort_values(["project_id", "quarter"], ignore_index=True)
    for col in ("disbursed_baht", "physical_pct"):
        df[col] = df.groupby("project_id")[col].cummax()
    return df


def _update_agencies(con: duckdb.DuckDBPyConnection, codes: list[str], seed: int) -> None:
    """LAO types on the sample's local governments, Thai names to match, and the sector
    offices that carry needs."""
    con.execute("UPDATE agencies SET lao_type = 'pao' WHERE level = 'lao' "
                "AND agency_id LIKE '%-PAO' AND list_contains($codes, province_code)",
                {"codes": codes})
    # the first sub-district of a district is its town (เทศบาล); the rest are อบต.
    con.execute("""
        UPDATE agencies a SET
            lao_type = CASE WHEN s.code LIKE '%01' THEN 'municipality' ELSE 'sao' END,
            name_th = CASE WHEN s.code LIKE '%01' THEN 'เทศบาลตำบล' ELSE 'องค์การบริหารส่วนตำบล' END
                      || s.name_th,
            name_en = s.name_en || CASE WHEN s.code LIKE '%01' THEN ' Sub-district Municipality'
                      ELSE ' Sub-district Administrative Organisation' END
        FROM areas s
        WHERE a.agency_id = s.code || '-LAO' AND s.level = 'subdistrict'
          AND list_contains($codes, s.province_code)""", {"codes": codes})
    rows = []
    for code in codes:
        prov = areas.province(code)
        for k, (suffix, (level, th, en)) in enumerate(SECTOR_AGENCIES.items(), start=1):
            rows.append((f"{code}-{suffix}", th.format(p=prov.name_th), en.format(p=prov.name_en),
                         level, None, code, True, _source(seed), "agencies/sector", k))
    con.executemany("INSERT INTO agencies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    cols = ", ".join(df.columns)
    con.register("plansample_incoming", df)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM plansample_incoming")
    finally:
        con.unregister("plansample_incoming")


def generate(con: duckdb.DuckDBPyConnection, province_codes: list[str] | None, *,
             seed: int, fiscal_year: int) -> dict[str, pd.DataFrame]:
    """The plan tables for the provinces (None = all 76), from the villages in ``con``.

    Returns:
        Table name → DataFrame with the columns of ``schema.sql``.
    """
    provs = ([areas.province(c) for c in province_codes] if province_codes
             else areas.planning_provinces())
    codes = [p.code for p in provs]
    villages = con.execute(
        "SELECT code, parent_code, province_code, households FROM areas "
        "WHERE level = 'village' AND list_contains(?, province_code) ORDER BY code",
        [codes]).df()
    subs = dict(con.execute("SELECT code, name_th FROM areas WHERE level = 'subdistrict' "
                            "AND list_contains(?, province_code)", [codes]).fetchall())
    rules = NeedsParams()
    by_prov = dict(tuple(villages.groupby("province_code")))
    parts: dict[str, list[pd.DataFrame]] = {}
    for prov in provs:
        vil = by_prov.get(prov.code)
        if vil is None or vil.empty:
            log.warning("province %s has no villages in the database; no plan sample", prov.code)
            continue
        for name, df in _province(vil.reset_index(drop=True), prov, seed, fiscal_year,
                                  rules, subs).items():
            parts.setdefault(name, []).append(df)
    return {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}


def load_sample(con: duckdb.DuckDBPyConnection, province_codes: list[str] | None, *,
                seed: int, fiscal_year: int) -> None:
    """Write the plan sample into ``con`` (the :data:`oneplan.samples.build.SAMPLE_EXTENSIONS` hook):
    LAO types and sector agencies, needs, stages, proposals, progress, and the snapshot
    day in ``meta`` (:data:`META_KEY`)."""
    codes = ([areas.province(c).code for c in province_codes] if province_codes
             else [p.code for p in areas.planning_provinces()])
    _update_agencies(con, codes, seed)
    tables = generate(con, codes, seed=seed, fiscal_year=fiscal_year)
    for name in ("needs", "need_stages", "proposals", "progress"):
        if name in tables:
            _insert(con, name, tables[name])
    con.execute("INSERT INTO meta VALUES (?, ?)",
                [META_KEY, snapshot_date(fiscal_year).isoformat()])
    log.info("plan sample: %s", {k: len(v) for k, v in tables.items()})
