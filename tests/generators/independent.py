"""A second, independent generator of complaint feeds, with its own noise model (SYNTHETIC).

Written apart from ``oneplan.samples.feeds`` (it imports nothing of it and shares no word
list) so the complaint linkage can be measured on data it was not tuned on. It reads only
``complaints/feeds.yml``, to know each agency's headers, file format, encoding, date form
and its own category and status words, and writes what agencies really send:

* one file per agency (CSV in its encoding, or XLSX with a README sheet saying the data
  are synthetic), headers as declared but some spelled differently (spaces, case, a
  synonym the feed declares);
* raw values: dates in mixed forms within one feed (d/m/พ.ศ. with / - or ., ISO ค.ศ.,
  พ.ศ. year first, Thai month names with and without dots, in full, Thai digits, two-digit
  years, real Excel dates in XLSX); category labels outside the feed's list (``อื่น ๆ``,
  words of other agencies, generic words); repeated case numbers (a number used again for
  another complaint, and the same row sent twice); free-text addresses only, for some
  agencies (place columns blank or left out);
* people with realistic name frequencies (few common first names, many surnames), families
  sharing a surname, house and phone, namesakes in the same village, title variants
  (นาย/นาง/น.ส./นางสาว/ด.ช.), typing slips, missing IDs and phones, the odd mistyped ID;
* matters copied to 1–5 agencies, each copy paraphrased; one person filing different
  matters in the same category weeks apart; neighbours filing the same kind of matter;
* a skew knob: ``skew_pairs=300`` gives everyone one of 300 (first name, surname) pairs.

``truth.csv`` (beside the ``feeds/`` folder) says, per written row (file, source_row =
the line in the file, header = 1), which matter and which person it is, and what noise
it carries. It holds no personal data. Area codes are real (``geothai``). Every name, ID
and phone is made up; IDs have valid check digits but are random.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import geothai
import numpy as np
import pandas as pd
import yaml

from oneplan.core import files, thai
from generators import independent_vocab as V

GENERATOR = "tests.generators.independent v1 (synthetic)"
SYNTHETIC_NOTE = ("ข้อมูลสมมติทั้งหมด (ชื่อ เลขประจำตัว โทรศัพท์ เรื่องร้องเรียน) สร้างเพื่อทดสอบเท่านั้น / "
                  "SYNTHETIC data for testing only: every name, ID, phone and complaint is made up")
GENERAL = ("dd_province", "dd_district", "pm1111")  # agencies that take every category
COPIES = {1: 0.34, 2: 0.30, 3: 0.18, 4: 0.11, 5: 0.07}
DATE_FORMS = ("dmy_be", "dmy_ce", "iso_ce", "ymd_be", "thai_abbr", "thai_abbr_nodot",
              "thai_full", "thai_digits", "dmy_be_2y", "excel")


@dataclass
class Config:
    """What to draw. Probabilities are per record (copy) unless said otherwise."""

    n_records: int = 10_000
    provinces: tuple[str, ...] = ("32", "31", "33")
    seed: int = 14
    fiscal_year: int = 2568
    skew_pairs: int | None = None       # everyone gets one of this many (first, last) pairs
    free_text: dict[str, str] = field(default_factory=lambda: {
        "pea": "drop", "ocpb": "drop", "ppho": "blank", "dla": "blank"})
    p_declared_date: float = 0.62       # the feed's own date form; the rest are mixed
    p_unknown_label: float = 0.06       # a label outside the feed's list though it has one
    p_misrouted: float = 0.12           # a copy sent to an agency not handling the category
    p_repeat_case: float = 0.012        # a case number used again for another complaint
    p_resend: float = 0.008             # the same row sent twice (a status update)
    p_missing_id: float = 0.42
    p_bad_id: float = 0.02
    p_missing_phone: float = 0.3
    p_typo: float = 0.05                # per name part
    p_namesake: float = 0.04            # a new household head named like a villager
    p_same_category_again: float = 0.07  # a filer's different matter, same category, weeks on
    p_neighbour: float = 0.04           # a neighbour's matter of the same kind, same day
    p_header_variant: float = 0.3


@dataclass
class Written:
    """What :func:`write` produced."""

    feeds_dir: Path
    truth_path: Path
    paths: list[Path]
    truth: pd.DataFrame
    config: Config


def load_feeds() -> dict:
    """The ``feeds:`` section of ``complaints/feeds.yml`` (read as data, no project code)."""
    text = resources.files("oneplan.complaints").joinpath("feeds.yml").read_text("utf-8")
    return yaml.safe_load(text)["feeds"]


def _header(value) -> str:
    return value[0] if isinstance(value, list) else str(value)


# --- people ------------------------------------------------------------------------------


def _zipf(rng: np.random.Generator, n_items: int, size: int, a: float = 1.05) -> np.ndarray:
    w = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size=size, p=w / w.sum())


def _surnames(rng: random.Random, n: int) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.sample(V.SYLLABLES, rng.choice((2, 2, 3)))))
    return sorted(out)


def _national_id(rng: random.Random) -> str:
    d = [rng.randint(1, 8)] + [rng.randint(0, 9) for _ in range(11)]
    check = (11 - sum(x * w for x, w in zip(d, range(13, 1, -1))) % 11) % 10
    return "".join(map(str, d + [check]))


def _phone(rng: random.Random) -> str:
    return rng.choice(("08", "09", "06")) + "".join(str(rng.randint(0, 9)) for _ in range(8))


@dataclass
class _Place:
    code: str
    sub: str
    dist: str
    prov: str
    capital: bool
    postal: str


def _places(provinces: tuple[str, ...]) -> list[_Place]:
    out = []
    for pc in provinces:
        prov = geothai.province(pc)
        for d in geothai.districts(pc):
            dist = d.name_th.removeprefix("เขต") if pc == "10" else d.name_th
            for s in geothai.subdistricts(d.code):
                out.append(_Place(s.code, s.name_th, dist, prov.name_th,
                                  d.name_th == "เมือง" + prov.name_th, s.postal_codes[0]))
    return out


def _people(cfg: Config, n_people: int, places: list[_Place], rng: random.Random,
            nrng: np.random.Generator) -> pd.DataFrame:
    """People in households in villages (sub-district + หมู่), with names, IDs, phones."""
    # at most 100,000: 2-3 of the syllables make ~135,000 distinct names (1M records asked
    # for more and never finished)
    surnames = _surnames(rng, max(400, min(n_people // 3, 100_000)))
    sur_rank = _zipf(nrng, len(surnames), n_people * 2, a=0.9)
    male_rank = _zipf(nrng, len(V.MALE), n_people * 2, a=1.1)
    female_rank = _zipf(nrng, len(V.FEMALE), n_people * 2, a=1.1)
    n_moo = {p.code: rng.randint(6, 18) for p in places}
    village_names: dict[tuple[str, int], str] = {}
    rows: list[tuple] = []
    place_by_code = {p.code: p for p in places}
    houses: dict[tuple[str, int], int] = {}
    k = 0
    hh = 0
    while len(rows) < n_people:
        twin = None
        if rows and rng.random() < cfg.p_namesake:
            # a new household in the village of an adult villager, its head named like them
            twin = rows[rng.randrange(len(rows))]
            if twin[5] in ("boy", "girl"):
                twin = None
        if twin is not None:
            place = place_by_code[twin[8]]
            moo = twin[9]
        else:
            place = places[int(nrng.integers(len(places)))]
            moo = rng.randint(1, n_moo[place.code])
        vkey = (place.code, moo)
        if vkey not in village_names:
            village_names[vkey] = rng.choice(V.VILLAGE_A) + rng.choice(V.VILLAGE_B)
        houses[vkey] = houses.get(vkey, rng.randint(1, 30)) + rng.randint(1, 9)
        house = str(houses[vkey]) + (f"/{rng.randint(1, 9)}" if rng.random() < 0.12 else "")
        surname = surnames[sur_rank[k % len(sur_rank)]]
        size = rng.choice((1, 2, 2, 3, 3, 4, 5))
        hh_phone = _phone(rng)
        hh += 1
        for m in range(size):
            if m == 0:
                sex = "m" if rng.random() < 0.55 else "f"
                role = "m" if sex == "m" else "f_married"
            elif m == 1:
                sex = "f" if rows[-1][4] == "m" else "m"
                role = "m" if sex == "m" else "f_married"
            else:
                sex = rng.choice("mf")
                child = rng.random() < 0.4
                role = ("boy" if sex == "m" else "girl") if child else (
                    "m" if sex == "m" else "f_single")
            if role in ("boy", "girl"):
                first = rng.choice(V.CHILD_M if sex == "m" else V.CHILD_F)
            else:
                first = (V.MALE[male_rank[k % len(male_rank)]] if sex == "m"
                         else V.FEMALE[female_rank[k % len(female_rank)]])
            last = surname if (m != 1 or rng.random() < 0.8) else surnames[
                sur_rank[(k + 7) % len(sur_rank)]]
            namesake = False
            if m == 0 and twin is not None:   # same name, same village, another house
                first, last, sex = twin[2], twin[3], twin[4]
                role = "m" if sex == "m" else "f_married"
                namesake = True
            phone = hh_phone if (m == 0 or rng.random() < 0.35) else _phone(rng)
            rows.append((len(rows), hh, first, last, sex, role, _national_id(rng), phone,
                         place.code, moo, house, village_names[vkey], namesake))
            k += 1
    people = pd.DataFrame(rows[:n_people], columns=[
        "person", "household", "first", "last", "sex", "role", "national_id", "phone",
        "subdistrict_code", "moo", "house", "village", "namesake"])
    if cfg.skew_pairs:
        pairs = [(rng.choice(V.MALE + V.FEMALE), rng.choice(surnames))
                 for _ in range(cfg.skew_pairs)]
        pick = _zipf(nrng, cfg.skew_pairs, len(people), a=0.7)
        people["first"] = [pairs[i][0] for i in pick]
        people["last"] = [pairs[i][1] for i in pick]
        people["sex"] = ["m" if f in V.MALE else "f" for f in people["first"]]
        people["role"] = np.where(people["sex"] == "m", "m", "f_married")
    return people


# --- matters -----------------------------------------------------------------------------


def _matters(cfg: Config, people: pd.DataFrame, n_matters: int, rng: random.Random,
             nrng: np.random.Generator) -> pd.DataFrame:
    """Who complains about what, where and when (one row per matter)."""
    start = date(cfg.fiscal_year - 543 - 1, 10, 1)
    days = 365 - 20
    cats = list(V.CATEGORY_WEIGHTS)
    cw = np.array(list(V.CATEGORY_WEIGHTS.values()), dtype=float)
    adults = people.index[~people["role"].isin(["boy", "girl"])].to_numpy()
    activity = nrng.choice([1.0, 1.0, 1.0, 1.0, 2.5, 5.0], size=len(adults))
    filers = nrng.choice(adults, size=n_matters, p=activity / activity.sum())
    recs = people.to_dict("records")   # row access by position, fast
    by_village: dict[tuple[str, int], list[int]] = {}
    for r in recs:
        if r["role"] not in ("boy", "girl"):
            by_village.setdefault((r["subdistrict_code"], r["moo"]), []).append(r["person"])
    rows = []
    for i in range(n_matters):
        if len(rows) >= n_matters:
            break
        person = int(filers[i])
        cat = cats[int(nrng.choice(len(cats), p=cw / cw.sum()))]
        day = start + timedelta(days=rng.randrange(days))
        rows.append(_matter(len(rows), person, cat, day, recs, rng, "first"))
        if rng.random() < cfg.p_same_category_again and len(rows) < n_matters:
            later = day + timedelta(days=rng.randint(14, 60))   # a different matter
            rows.append(_matter(len(rows), person, cat, later, recs, rng, "same_category"))
        if rng.random() < cfg.p_neighbour and len(rows) < n_matters:
            p = recs[person]
            near = [x for x in by_village[(p["subdistrict_code"], p["moo"])] if x != person]
            if near:
                rows.append(_matter(len(rows), rng.choice(near), cat, day, recs, rng,
                                    "neighbour"))
    return pd.DataFrame(rows)


def _matter(i: int, person: int, cat: str, day: date, people: list[dict],
            rng: random.Random, kind: str) -> dict:
    p = people[person]
    spot = rng.choice(V.LANDMARKS).format(v=p["village"], moo=p["moo"],
                                          b=rng.choice(V.VILLAGE_B))
    return {"matter": i, "person": person, "category": cat, "day": day, "spot": spot,
            "n": rng.randint(1, 60), "since": rng.choice((2, 3, 5, 7, 10, 14, 30)),
            "thing": rng.randrange(len(V.TOPICS[cat]["thing"])), "kind": kind}


def _text(m: dict, rng: random.Random) -> str:
    """One copy's wording of a matter: its details kept, the words chosen anew."""
    t = V.TOPICS[m["category"]]
    thing = t["thing"][m["thing"]].format(spot=m["spot"], n=m["n"])
    wrong = rng.choice(t["wrong"])
    since = rng.choice(V.SINCE).format(d=m["since"] + rng.choice((0, 0, 1, -1)))
    ask = rng.choice(t["ask"])
    parts = [rng.choice(V.OPENERS) + thing, wrong + (" " + since if since else ""), ask]
    if rng.random() < 0.25:
        parts[0], parts[1] = f"{wrong} ที่{thing}", since
    text = " ".join(x for x in parts if x) + (" " + rng.choice(V.CLOSERS)).rstrip()
    return text.replace("  ", " ").strip()


# --- how agencies write values -------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    how = rng.random()
    if how < 0.3:
        return word[:i] + word[i + 1:]                        # a letter dropped
    if how < 0.55:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # two letters swapped
    if how < 0.8:
        marks = "่้๊๋"
        stripped = "".join(c for c in word if c not in marks)
        return stripped if stripped != word else word[:i] + "่" + word[i:]
    return word[:i] + rng.choice("กขคงจดตนบปมยรลวสอ") + word[i + 1:]


def _title(role: str, rng: random.Random) -> str:
    return rng.choice(V.TITLES[role])


def _format_date(d: date, form: str, sep: str, with_time: bool, rng: random.Random):
    be, ce = d.year + 543, d.year
    tm = f" {rng.randint(7, 19):02d}:{rng.randint(0, 59):02d}" if with_time else ""
    if form == "excel":
        return datetime(d.year, d.month, d.day, rng.randint(7, 19) if with_time else 0,
                        rng.randint(0, 59) if with_time else 0)
    if form == "dmy_be":
        return f"{d.day:02d}{sep}{d.month:02d}{sep}{be}{tm}"
    if form == "dmy_ce":
        return f"{d.day:02d}/{d.month:02d}/{ce}{tm}"
    if form == "iso_ce":
        return f"{ce}-{d.month:02d}-{d.day:02d}{tm}"
    if form == "ymd_be":
        return f"{be}-{d.month:02d}-{d.day:02d}{tm}"
    if form == "thai_abbr":
        return f"{d.day} {thai.THAI_MONTHS_ABBR[d.month - 1]} {be}{tm}"
    if form == "thai_abbr_nodot":
        return f"{d.day} {thai.THAI_MONTHS_ABBR[d.month - 1].replace('.', '')} {be}{tm}"
    if form == "thai_full":
        gap = rng.choice((" ", " ", ""))
        return f"{d.day}{gap}{thai.THAI_MONTHS[d.month - 1]}{gap}{be}{tm}"
    if form == "thai_digits":
        return f"{d.day}/{d.month}/{be}{tm}".translate(str.maketrans("0123456789",
                                                                     thai.THAI_DIGITS))
    if form == "dmy_be_2y":
        return f"{d.day}/{d.month}/{be % 100:02d}"
    raise ValueError(form)


def _declared_form(spec: dict) -> tuple[str, str]:
    order, era, sep = spec.get("order"), spec.get("era"), spec.get("sep", "/")
    if order == "d_mon_y":
        return "thai_abbr", sep
    if order == "ymd":
        return ("iso_ce" if era == "ce" else "ymd_be"), sep
    return ("dmy_ce" if era == "ce" else "dmy_be"), sep


def _address_parts(p, place: _Place, rng: random.Random) -> str:
    """House number and หมู่ as an address column next to place columns holds them."""
    form = rng.randrange(4)
    if form == 0:
        return f"{p['house']} ม.{p['moo']}"
    if form == 1:
        return f"{p['house']} หมู่ {p['moo']} บ้าน{p['village']}"
    if form == 2:
        return f"บ้านเลขที่ {p['house']} หมู่ที่ {p['moo']}"
    return f"{p['house']} ม.{p['moo']} ต.{place.sub}"


def _full_address(p, place: _Place, rng: random.Random) -> tuple[str, str]:
    """The whole address in one cell, the way people type it, and the form used."""
    sub = _typo(place.sub, rng) if rng.random() < 0.04 else place.sub
    dist = "เมือง" if place.capital and rng.random() < 0.5 else place.dist
    h, moo, prov = p["house"], p["moo"], place.prov
    forms = {
        "abbr": f"{h} ม.{moo} ต.{sub} อ.{dist} จ.{prov}",
        "full": f"บ้านเลขที่ {h} หมู่ที่ {moo} ตำบล{sub} อำเภอ{dist} จังหวัด{prov}",
        "nospace": f"{h}ม.{moo}ต.{sub}อ.{dist}จ.{prov}",
        "no_district": f"{h} ม.{moo} ต.{sub} จ.{prov}",
        "no_province": f"{h} หมู่ {moo} ต.{sub} อ.{dist}",
        "village_postal": f"{h} ม.{moo} บ้าน{p['village']} ต.{sub} อ.{dist} {prov} {place.postal}",
        "thai_digits": f"{h} ม.{moo} ต.{sub} อ.{dist} จ.{prov}".translate(
            str.maketrans("0123456789", thai.THAI_DIGITS)),
        "spaced": f"{h} หมู่ {moo} ตำบล {sub} อำเภอ {dist} จังหวัด {prov}",
    }
    form = rng.choice(list(forms))
    return forms[form], form + ("_typo" if sub != place.sub else "")


def _fmt_id(nid: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return nid
    if r < 0.85:
        return f"{nid[0]}-{nid[1:5]}-{nid[5:10]}-{nid[10:12]}-{nid[12]}"
    if r < 0.93:
        return nid.translate(str.maketrans("0123456789", thai.THAI_DIGITS))
    return f"{nid[0]} {nid[1:5]} {nid[5:10]} {nid[10:12]} {nid[12]}"


def _fmt_phone(ph: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return ph
    if r < 0.7:
        return f"{ph[:3]}-{ph[3:6]}-{ph[6:]}"
    if r < 0.85:
        return f"+66 {ph[1:3]} {ph[3:6]} {ph[6:]}"
    return f"{ph[:3]} {ph[3:]}"


def _header_variant(h: str, field_name: str, feed: dict, taken: set[str],
                    rng: random.Random) -> str:
    options = [h + " ", " " + h, h.replace(" ", "  ") if " " in h else h + "  "]
    if h.isascii():
        options += [h.upper(), h.title(), h.replace("_", " ")]
    if "-" in h:
        options.append(h.replace("-", " - "))
    for syn in (feed.get("header_synonyms") or {}).get(field_name, []):
        if syn.strip() not in taken:
            options.append(syn)
    return rng.choice(options)


# --- records -----------------------------------------------------------------------------


def _route(cat: str, k: int, feeds: dict, handles: dict[str, list[str]], cfg: Config,
           rng: random.Random) -> list[str]:
    """The agencies a matter's k copies go to (distinct)."""
    special = handles.get(cat, [])
    pool = list(dict.fromkeys(list(GENERAL) + special))
    chosen: list[str] = []
    while len(chosen) < min(k, len(feeds)):
        if rng.random() < cfg.p_misrouted:
            a = rng.choice(list(feeds))
        elif not chosen and special and rng.random() < 0.5:
            a = rng.choice(special)
        else:
            a = rng.choice(pool)
        if a not in chosen:
            chosen.append(a)
    return chosen


_LABELS: dict[tuple[int, str], tuple[list[str], list[str]]] = {}


def _label(feed: dict, cat: str, feeds: dict, cfg: Config,
           rng: random.Random) -> tuple[str, str]:
    """(category label as the agency typed it, kind: own / other_word / foreign_label)."""
    cats = feed.get("categories") or {}
    key = (id(feed), cat)
    if key not in _LABELS:
        _LABELS[key] = ([str(lab) for lab, code in cats.items() if code == cat], sorted(
            {str(lab) for f in feeds.values() for lab, code in (f.get("categories") or {})
             .items() if code == cat and lab not in cats}))
    own, foreign = _LABELS[key]
    if own and rng.random() >= cfg.p_unknown_label:
        return rng.choice(own), "own"
    if foreign and rng.random() < 0.4:
        return rng.choice(foreign), "foreign_label"
    word = rng.choice(V.OTHER_LABELS)
    return word, "own" if word in cats else "other_word"


def generate(cfg: Config) -> tuple[dict[str, list[dict]], pd.DataFrame]:
    """Draw the records: per agency the rows as written (header -> value), and the truth."""
    rng = random.Random(cfg.seed)
    nrng = np.random.default_rng(cfg.seed)
    feeds = load_feeds()
    _LABELS.clear()   # keyed by the feed objects of this call
    handles: dict[str, list[str]] = {}
    for aid, f in feeds.items():
        if aid in GENERAL:
            continue
        for code in set((f.get("categories") or {}).values()):
            handles.setdefault(code, []).append(aid)
    places = _places(tuple(cfg.provinces))
    place_of = {p.code: p for p in places}
    mean_copies = sum(k * w for k, w in COPIES.items())
    n_matters = max(1, round(cfg.n_records / mean_copies * 1.15))  # spare: n_records exactly
    people = _people(cfg, max(10, round(n_matters / 1.2)), places, rng, nrng)
    matters = _matters(cfg, people, n_matters, rng, nrng)
    ks = nrng.choice(list(COPIES), size=len(matters), p=list(COPIES.values()))
    rows: dict[str, list[dict]] = {a: [] for a in feeds}
    truth: list[dict] = []
    case_seq = {a: 0 for a in feeds}
    used_cases: dict[str, list[str]] = {a: [] for a in feeds}
    total = 0
    recs = people.to_dict("records")
    for m, k in zip(matters.to_dict("records"), ks):
        if total >= cfg.n_records:
            break
        p = recs[m["person"]]
        place = place_of[p["subdistrict_code"]]
        for n_copy, aid in enumerate(_route(m["category"], int(k), feeds, handles, cfg, rng)):
            if total >= cfg.n_records:
                break
            feed = feeds[aid]
            received = m["day"] + timedelta(days=0 if n_copy == 0 else rng.randint(0, 12))
            rec, info = _record(m, p, place, received, aid, feed, feeds, cfg, rng,
                                case_seq, used_cases)
            rows[aid].append(rec)
            truth.append({"agency_id": aid, "row_in_feed": len(rows[aid]),
                          "truth_matter": m["matter"], "truth_person": m["person"],
                          "category": m["category"], "matter_kind": m["kind"],
                          "namesake": bool(p["namesake"]),
                          "subdistrict_code": place.code, **info})
            total += 1
            if rng.random() < cfg.p_resend and total < cfg.n_records:
                again = dict(rec)   # the same row sent again (its status may have moved on)
                rows[aid].append(again)
                truth.append({**truth[-1], "row_in_feed": len(rows[aid]), "resend": True,
                              "repeated_case_no": False})
                total += 1
    return rows, pd.DataFrame(truth)


def _record(m: dict, p, place: _Place, received: date, aid: str, feed: dict, feeds: dict,
            cfg: Config, rng: random.Random, case_seq: dict, used_cases: dict):
    cols = feed.setdefault("_headers", {f: _header(h) for f, h in feed["columns"].items()})
    dates = feed.get("dates") or {}
    declared, sep = _declared_form(dates)
    xlsx = feed.get("format") == "xlsx"
    if rng.random() < cfg.p_declared_date:
        form = declared
    else:
        form = rng.choice([f for f in DATE_FORMS if f != declared and (xlsx or f != "excel")
                           and (f != "dmy_be_2y" or rng.random() < 0.15)])
    with_time = bool(dates.get("time"))
    out: dict[str, object] = {}
    info = {"date_form": form, "resend": False, "repeated_case_no": False}
    # case number: the agency's own running number, sometimes used again
    if used_cases[aid] and rng.random() < cfg.p_repeat_case:
        case = rng.choice(used_cases[aid])
        info["repeated_case_no"] = True
    else:
        case_seq[aid] += 1
        yy = (received.year + 543) % 100
        case = rng.choice((f"{aid[:3].upper()}-{yy}-{case_seq[aid]:06d}",)) if aid in (
            "pm1111", "doh", "pcd", "pea") else f"{case_seq[aid]}/{yy + 2500}"
        used_cases[aid].append(case)
    out["case_no"] = case
    out["received"] = _format_date(received, form, sep, with_time, rng)
    # who
    first = _typo(p["first"], rng) if rng.random() < cfg.p_typo else p["first"]
    last = _typo(p["last"], rng) if rng.random() < cfg.p_typo else p["last"]
    title = _title(p["role"], rng) if rng.random() < 0.85 else ""
    if "name" in cols:
        glue = "" if title and rng.random() < 0.3 else " "
        out["name"] = f"{title}{glue}{first} {last}".strip()
    else:
        out["title"], out["first_name"], out["last_name"] = title, first, last
    has_id = "national_id" in cols and rng.random() >= cfg.p_missing_id
    if has_id:
        nid = p["national_id"]
        if rng.random() < cfg.p_bad_id:
            nid = nid[:12] + str((int(nid[12]) + rng.randint(1, 9)) % 10)
        out["national_id"] = _fmt_id(nid, rng)
    has_phone = "phone" in cols and rng.random() >= cfg.p_missing_phone
    if has_phone:
        out["phone"] = _fmt_phone(p["phone"], rng)
    info.update(has_id=has_id, has_phone=has_phone)
    # where
    mode = cfg.free_text.get(aid) if "address" in cols else None
    if mode:
        out["address"], form_used = _full_address(p, place, rng)
        info["address_mode"] = f"free_text_{mode}:{form_used}"
    elif "subdistrict_code" in cols:
        code = place.code
        out["subdistrict_code"] = code if rng.random() > 0.05 else code.translate(
            str.maketrans("0123456789", thai.THAI_DIGITS))
        if "address" in cols:
            out["address"] = _address_parts(p, place, rng)
        info["address_mode"] = "code"
    else:
        out["subdistrict"] = (("ต." if rng.random() < 0.2 else "")
                              + (_typo(place.sub, rng) if rng.random() < 0.02 else place.sub))
        dist = "เมือง" if place.capital and rng.random() < 0.3 else place.dist
        out["district"] = ("อ." if rng.random() < 0.2 else "") + dist
        out["province"] = ("จ." if rng.random() < 0.15 else "") + place.prov
        if "address" in cols:
            out["address"] = _address_parts(p, place, rng)
        info["address_mode"] = "columns"
    # what
    label, kind = _label(feed, m["category"], feeds, cfg, rng)
    out["category"] = label
    info["label_kind"] = kind
    out["text"] = _text(m, rng)
    statuses = list((feed.get("statuses") or {}).items())
    done = [w for w, c in statuses if c == "closed"]
    doing = [w for w, c in statuses if c == "in_progress"]
    new = [w for w, c in statuses if c == "received"]
    r = rng.random()
    if r < 0.55 and done:
        out["status"] = rng.choice(done)
        act = received + timedelta(days=rng.randint(0, 7))
        out["first_action"] = _format_date(act, form, sep, False, rng)
        out["closed"] = _format_date(act + timedelta(days=rng.randint(1, 40)), form, sep,
                                     False, rng)
    elif r < 0.85 and doing:
        out["status"] = rng.choice(doing)
        out["first_action"] = _format_date(received + timedelta(days=rng.randint(0, 7)), form,
                                           sep, False, rng)
    else:
        out["status"] = rng.choice(new or [w for w, _ in statuses])
    out["reopened"] = rng.choice((0, 0, 0, 0, 1, "")) if "reopened" in cols else None
    out["transfers"] = rng.choice((0, 0, 0, 1, 2)) if "transfers" in cols else None
    return {cols[f]: v for f, v in out.items() if f in cols and v is not None}, info


def write(out_dir: str | Path, cfg: Config | None = None, **overrides) -> Written:
    """Generate and write the agency files into ``out_dir/feeds/`` and the truth into
    ``out_dir/truth.csv`` (plus ``out_dir/README.txt``: synthetic data)."""
    cfg = cfg or Config()
    for k, v in overrides.items():
        setattr(cfg, k, v)
    out_dir = Path(out_dir)
    feeds_dir = out_dir / "feeds"
    feeds_dir.mkdir(parents=True, exist_ok=True)
    feeds = load_feeds()
    rows, truth = generate(cfg)
    rng = random.Random(cfg.seed + 1)
    paths = []
    names = {}
    for aid, recs in rows.items():
        if not recs:
            continue
        feed = feeds[aid]
        headers = [_header(h) for h in feed["columns"].values()]
        fields = list(feed["columns"])
        if cfg.free_text.get(aid) == "drop":
            drop = {"subdistrict_code", "subdistrict", "district", "province"}
            keep = [i for i, f in enumerate(fields) if f not in drop]
            headers = [headers[i] for i in keep]
            fields = [fields[i] for i in keep]
        frame = pd.DataFrame.from_records(recs).reindex(columns=headers)
        taken = {h.strip() for h in headers}
        frame.columns = [_header_variant(h, f, feed, taken, rng)
                         if rng.random() < cfg.p_header_variant else h
                         for h, f in zip(headers, fields)]
        name = f"{aid}_{cfg.fiscal_year}_synthetic.{feed['format']}"
        path = feeds_dir / name
        # Written raw, as an agency's system writes it (a "+66 …" phone stays as typed):
        # core.files would make the cells inert, which is for the project's own outputs.
        if feed["format"] == "xlsx":
            buffer = io.BytesIO()
            with pd.ExcelWriter(buffer, engine="openpyxl") as xw:
                pd.DataFrame({"หมายเหตุ / Note": [SYNTHETIC_NOTE]}).to_excel(
                    xw, sheet_name="README", index=False)
                frame.to_excel(xw, sheet_name=feed.get("sheet") or "Sheet1", index=False)
            files.write_atomic(path, buffer.getvalue())
        else:
            frame = frame.astype("object").where(frame.notna(), "")
            files.write_atomic(path, frame.to_csv(index=False).encode(
                feed.get("encoding", "utf-8")))
        paths.append(path)
        names[aid] = name
    truth.insert(0, "file", truth["agency_id"].map(names))
    truth.insert(1, "source_row", truth["row_in_feed"] + 1)   # header is line 1
    truth = truth.drop(columns="row_in_feed")
    truth_path = out_dir / "truth.csv"
    files.write_csv(truth, truth_path)
    files.write_atomic(out_dir / "README.txt", SYNTHETIC_NOTE + f"\n{GENERATOR}\n")
    return Written(feeds_dir, truth_path, paths, truth, cfg)
