"""Thai free-text addresses read into DOPA sub-district codes.

Agencies write a complainant's place the way people type it: ``66 ม.2 ต.ตั้งใจ
อ.เมืองสุรินทร์ จ.สุรินทร์``, the spelled-out ``บ้านเลขที่ … หมู่ที่ … ตำบล/แขวง … อำเภอ/เขต …
จังหวัด …``, Thai digits, no spaces, ``อ.เมือง`` for the capital district, parts left out,
typing slips. :func:`parse` reads the house number and หมู่ที่ with regular expressions and
the place names against the real names of ``geothai`` (77 provinces, 928 districts, 7,436
sub-districts), never an invented code.

How a name is matched, from strongest to weakest:

* ``exact``: the name as written (after ``geothai.normalize``: no spaces, dots, hyphens or
  level word) is a real name in the places the rest of the address allows;
* ``abbreviation``: the same, through a short form of a name (``อ.เมือง`` with the province
  = the capital district, ``กทม``/``กรุงเทพฯ`` = Bangkok);
* ``fuzzy``: a typing slip: the same letters without tone marks or with the usual confusions
  (ใ/ไ, ศ/ษ/ส, ณ/น …), else the closest name by ``difflib.SequenceMatcher`` ratio (the
  standard library; ``rapidfuzz`` is not installed), only when it clearly beats the second;
* ``hint``: the text alone did not decide; the caller's district (per row) or province
  (the file's) did;
* ``none``: no sub-district. An ambiguous name (``หนองบัว`` is a sub-district in 28
  districts) with nothing to tell the candidates apart gives ``none``, never a guess.

``confidence`` (0–1) is the product of a factor per piece of evidence: 1.0 for a full,
consistent ตำบล–อำเภอ–จังหวัด; lower when the district is missing (0.9), read from the
hint (0.97), the province only inferred (0.85), a name was fuzzy (the ratio squared), the
district written does not hold the sub-district (0.6), or the names were found without
markers (0.9). 0 for ``none``.

Work is done once per distinct place text (house number and หมู่ removed first), so a
million rows of a feed cost one regular-expression pass and a few thousand name look-ups.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import geothai
import numpy as np
import pandas as pd

from oneplan.core import thai

__all__ = ["parse", "METHODS"]

METHODS = ("exact", "abbreviation", "fuzzy", "hint", "none")
"""The values of the ``method`` column, strongest first."""

# --- the gazetteer ----------------------------------------------------------------------

_TONES = re.compile("[\u0e47-\u0e4c]")
# Letters people confuse when typing Thai names; one of each group stands for the group.
_CONFUSIONS = str.maketrans({"ไ": "ใ", "ษ": "ศ", "ส": "ศ", "ณ": "น", "ฬ": "ล", "ธ": "ท",
                             "ฒ": "ท", "ฑ": "ท", "ฏ": "ต", "ฎ": "ด", "ภ": "พ", "ฆ": "ค",
                             "ฅ": "ค", "ฃ": "ข", "ญ": "ย", "ซ": "ศ", "ร": "ล"})


def _key(name: str) -> str:
    """Comparison form of a place name (geothai's, plus the ฯ of กรุงเทพฯ and stray marks)."""
    return geothai.normalize(re.sub(r"[ฯ,()\[\]/\"'“”]", "", str(name)))


def _skeleton(key: str) -> str:
    """A key without tone marks and with confusable letters merged (typing-slip form)."""
    return _TONES.sub("", key).replace("ำ", "ํา").translate(_CONFUSIONS)


@dataclass
class _Gazetteer:
    """Every real name, by key, at each level and scope."""

    prov: dict[str, list[str]] = field(default_factory=dict)    # key -> [province code]
    prov_name: dict[str, str] = field(default_factory=dict)     # code -> key
    dist: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # prov -> key -> codes
    dist_name: dict[str, str] = field(default_factory=dict)     # code -> key
    capital: dict[str, str] = field(default_factory=dict)       # prov -> เมือง… district
    sub: dict[str, dict[str, list[str]]] = field(default_factory=dict)   # dist -> key -> codes
    sub_prov: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    sub_all: dict[str, list[str]] = field(default_factory=dict)
    sub_name: dict[str, str] = field(default_factory=dict)      # code -> key
    dist_all: dict[str, list[str]] = field(default_factory=dict)
    postal: dict[str, set[str]] = field(default_factory=dict)   # postal code -> provinces


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    g = _Gazetteer()
    for p in geothai.provinces():
        pk = _key(p.name_th)
        g.prov[pk] = [p.code]
        g.prov_name[p.code] = pk
        g.dist[p.code] = {}
        g.sub_prov[p.code] = {}
        for d in geothai.districts(p.code):
            dk = _key(d.name_th)
            g.dist[p.code].setdefault(dk, []).append(d.code)
            g.dist_all.setdefault(dk, []).append(d.code)
            g.dist_name[d.code] = dk
            if dk == "เมือง" + pk:
                g.capital[p.code] = d.code
            g.sub[d.code] = {}
            for s in geothai.subdistricts(d.code):
                sk = _key(s.name_th)
                g.sub_name[s.code] = sk
                # "ปอภาร (ปอพาน)": the full name, and each of its two spellings
                keys = {sk} | {_key(x) for x in re.split(r"[()]", s.name_th) if x.strip()}
                for k in keys:
                    g.sub[d.code].setdefault(k, []).append(s.code)
                    g.sub_prov[p.code].setdefault(k, []).append(s.code)
                    g.sub_all.setdefault(k, []).append(s.code)
                for pc in s.postal_codes:
                    g.postal.setdefault(pc, set()).add(p.code)
    for alias in ("กทม", "กรุงเทพ", "กรุงเทพฯ", "กรุงเทพมหานคร", "bangkok", "bkk"):
        g.prov[_key(alias)] = ["10"]
    return g


# --- reading the text -------------------------------------------------------------------

_ZW = re.compile("[\u200b\u200c\u200d\ufeff]")
_ODD = re.compile("[\u200b\u200c\u200d\ufeff\u0e50-\u0e59]")
_HOUSE = re.compile(r"^\s*(?:บ้านเลขที่|บ้านเลข|เลขที่|เลขที|บ้าน\s*เลขที่)?\s*[:.]?\s*"
                    r"(\d{1,5}(?:\s*/\s*\d{1,4})?)(?!\d)(?!\s*(?:ปี|คน|ไร่|ครั้ง))")
_MOO = re.compile(r"(?:หมู่ที่|หมู่ที|หมู่|หมุ่|ม\.|(?:^|(?<=\s))ม(?=\s*\d))\s*[:.]?\s*"
                  r"(\d{1,2})(?!\d)")
# Level markers, each a group: the spelled-out word, common slips, the dotted short form, or a
# lone letter followed by a space. Lookbehinds keep the names that end in a marker word.
_MARKERS = {
    "sub": r"(?<!สาม)ตำบล|ตำบน|ตําบล|แขวง|ต\s*\.|(?:^|(?<=[\s\d,]))ต\s+(?=[ก-ฮ])",
    "dist": r"กิ่งอำเภอ|อำเภอ|อําเภอ|อำเพอ|อำเภ(?=[ก-ฮ])|อ\s*\.|"
            r"(?<!นครเนื่อง)(?<!หลัก)(?<!อีสาน)(?<!คีรี)(?<![ก-๙])เขต(?=\s*[ก-ฮ])|"
            r"(?:^|(?<=[\s\d,]))อ\s+(?=[ก-ฮ])",
    "prov": r"จังหวัด|จังหวัก|จ\s*\.(?!\s*ป\s*\.)|(?:^|(?<=[\s\d,]))จ\s+(?=[ก-ฮ])",
    "road": r"(?:^|(?<=[\s\d,]))ถนน|ถ\s*\.|ซอย|ซ\s*\.|ตรอก|หมู่บ้าน|มบ\s*\.|ชุมชน|อาคาร",
    "postal": r"รหัสไปรษณีย์|ปณ\s*\.",
}
_MARKER = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _MARKERS.items()))
_POSTAL = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_NOT_NAME = re.compile(r"[\d\s.,:;\-–()/\\#\"'“”]+")


@dataclass(frozen=True)
class _Fields:
    sub: str = ""
    dist: str = ""
    prov: str = ""
    postal: str = ""
    rest: str = ""   # text outside any marker (names typed without markers)
    raw: str = ""    # the whole place text


def _split(place: str) -> _Fields:
    """The marked parts of a place text (house number and หมู่ already removed)."""
    parts: dict[str, str] = {}
    marks = []
    for m in _MARKER.finditer(place):
        # "ตำบล ถนนโพธิ์": a road word right after a level marker begins the name
        if (m.lastgroup == "road" and marks and marks[-1].lastgroup in ("sub", "dist", "prov")
                and not place[marks[-1].end():m.start()].strip()):
            continue
        marks.append(m)
    rest = [place[: marks[0].start()] if marks else place]
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(place)
        kind = m.lastgroup or ""
        value = place[m.end():end]
        if kind in ("sub", "dist", "prov") and kind not in parts:
            # A name is one word: what follows a space after it is unmarked text.
            words = value.strip().split(None, 1)
            parts[kind] = _NOT_NAME.sub("", words[0]) if words else ""
            if len(words) > 1:
                rest.append(words[1])
        elif kind == "road":
            words = value.strip().split(None, 1)  # the road/village name is dropped
            if len(words) > 1:
                rest.append(words[1])
        else:
            rest.append(value)
    joined = " ".join(rest)
    postal = _POSTAL.search(joined)
    return _Fields(parts.get("sub", ""), parts.get("dist", ""), parts.get("prov", ""),
                   postal.group(1) if postal else "", _NOT_NAME.sub(" ", joined).strip(), place)


# --- matching names ---------------------------------------------------------------------

_FUZZY_MIN = 0.72      # below this ratio a name is not considered
_FUZZY_MARGIN = 0.06   # the best must beat the next name by this much
_SKELETON_SCORE = 0.93


def _similar(raw: str, keys) -> list[tuple[float, str]]:
    """(score, key) of the names like ``raw``, best first: 1.0 for the same key,
    0.93 for the same skeleton, else the SequenceMatcher ratio (≥ 0.72)."""
    k = _key(raw)
    if not k:
        return []
    keys = list(keys)
    if k in keys:
        return [(1.0, k)]
    sk = _skeleton(k)
    same = [(_SKELETON_SCORE, c) for c in keys if _skeleton(c) == sk]
    if same:
        return same
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2(k)
    out = []
    for c in keys:
        if abs(len(c) - len(k)) > max(2, len(k) // 3):
            continue
        sm.set_seq1(c)
        if sm.real_quick_ratio() >= _FUZZY_MIN and sm.quick_ratio() >= _FUZZY_MIN:
            r = sm.ratio()
            if r >= _FUZZY_MIN:
                out.append((r, c))
    out.sort(reverse=True)
    return out


def _best(raw: str, table: dict[str, list[str]], *,
          fuzzy: bool = True) -> tuple[list[str], float, str]:
    """Codes of the name in ``table`` that best fits ``raw``, its score and how it matched
    (``exact`` / ``fuzzy``); no codes when none fits or two fit equally well. With
    ``fuzzy=False`` only the exact name counts (a table too wide to guess a slip in)."""
    found = _similar(raw, table)
    if not fuzzy:
        found = [x for x in found if x[0] == 1.0]
    if not found:
        return [], 0.0, "none"
    score, key = found[0]
    if score < 1.0 and len(found) > 1 and found[1][0] > score - _FUZZY_MARGIN:
        return [], 0.0, "none"  # two names about as close: a slip could be either
    return list(table[key]), score, "exact" if score == 1.0 else "fuzzy"


@dataclass
class _Result:
    sub: str | None = None
    dist: str | None = None
    prov: str | None = None
    confidence: float = 0.0
    method: str = "none"


_RANK = {m: i for i, m in enumerate(METHODS)}


def _weakest(*methods: str) -> str:
    return max(methods, key=_RANK.__getitem__)


def _province(f: _Fields, hint: str | None, g: _Gazetteer) -> tuple[str | None, float, str]:
    if f.prov:
        codes, score, how = _best(f.prov, g.prov)
        if codes:
            alias = _key(f.prov) in ("กทม", "กรุงเทพ") and how == "exact"
            return codes[0], score ** 2 if score < 1 else 1.0, "abbreviation" if alias else how
    words = [g.prov[k][0] for k in map(_key, f.rest.split()) if k in g.prov]
    if len(set(words)) == 1:   # a province name typed without จ. (``… กรุงเทพฯ 10900``)
        return words[0], 1.0, "exact"
    if hint:
        return hint, 1.0, "exact"   # the file's province: no less certain than written
    if f.postal and len(g.postal.get(f.postal, ())) == 1:
        return next(iter(g.postal[f.postal])), 0.95, "exact"
    return None, 1.0, "exact"


def _district(raw: str, prov: str | None, g: _Gazetteer) -> tuple[list[str], float, str]:
    k = _key(raw)
    if not k:
        return [], 0.0, "none"
    if prov:
        if k.startswith("เมือง") and prov in g.capital and (
                k == "เมือง" or _skeleton(k) == _skeleton("เมือง" + g.prov_name[prov])):
            exact = k == g.dist_name[g.capital[prov]]
            return [g.capital[prov]], 1.0, "exact" if exact else "abbreviation"
        codes, score, how = _best(raw, g.dist[prov])
        return codes, score ** 2 if score < 1 else 1.0, how
    if k == "เมือง":
        return [], 0.0, "none"   # 76 capital districts: useless without the province
    codes, score, how = _best(raw, g.dist_all)
    return codes, score ** 2 if score < 1 else 1.0, how


def _resolve(f: _Fields, prov_hint: str | None, dist_hint: str | None) -> _Result:
    g = _gazetteer()
    wide = False   # the candidates span the country: no guessing of slips
    prov, p_conf, p_how = _province(f, prov_hint, g)
    dists, d_conf, d_how = _district(f.dist, prov, g) if f.dist else ([], 1.0, "none")
    if not dists and prov is None and _key(f.dist) == "เมือง":
        # อ.เมือง and no province: one of the 76 capital districts; the name may decide
        dists, d_conf, d_how = sorted(g.capital.values()), 0.9, "abbreviation"
        wide = True
    if not dists and dist_hint and (prov is None or dist_hint[:2] == prov):
        dists, d_conf, d_how = [dist_hint], 0.97, "hint"
    if prov is None and len({d[:2] for d in dists}) == 1:
        prov, p_conf = dists[0][:2], 1.0
    res = None
    if f.sub:
        res = _match_sub(f.sub, prov, p_conf, p_how, dists, d_conf, d_how,
                         bool(f.dist) and not wide, dist_hint, g, fuzzy=not wide)
    if res is None or res.sub is None:
        # no ตำบล marker, or its name did not resolve (text run together without spaces):
        # look for real names anywhere in the text
        tries = [(prov, dists if f.dist or dist_hint else [])]
        if prov == prov_hint and not f.prov:
            tries.append((None, []))   # the file's province was assumed: the text may name another
        for t_prov, t_dists in tries:
            # words marked as a district or province are not sub-district names
            sub_raw, s_prov, s_dists = _scan(f.sub + " " + f.rest, t_prov, t_dists, g)
            if not sub_raw:
                continue
            sd_conf, sd_how = (1.0, "exact") if s_dists and not dists else (d_conf, d_how)
            s_res = _match_sub(sub_raw, s_prov, p_conf, p_how, s_dists, sd_conf, sd_how,
                               bool(s_dists) and not wide, dist_hint, g, fuzzy=not wide)
            if s_res.sub is not None:
                s_res.confidence = round(s_res.confidence * 0.9, 3)
                return s_res
    if res is None:
        res = _Result(prov=prov, dist=dists[0] if len(dists) == 1 else None)
    return res


def _match_sub(sub_raw: str, prov: str | None, p_conf: float, p_how: str, dists: list[str],
               d_conf: float, d_how: str, dist_given: bool, dist_hint: str | None,
               g: _Gazetteer, *, fuzzy: bool = True) -> _Result:
    """The sub-district named ``sub_raw`` within the district(s) or province found."""
    conf = p_conf
    codes: list[str] = []
    method = "none"
    if dists:
        table: dict[str, list[str]] = {}
        for d in dists:
            for k, cs in g.sub[d].items():
                table.setdefault(k, []).extend(cs)
        codes, s_score, s_how = _best(sub_raw, table, fuzzy=fuzzy)
        if codes:
            conf *= d_conf * (s_score ** 2 if s_score < 1 else 1.0)
            method = _weakest(s_how, d_how if d_how != "none" else "exact", p_how)
        elif dist_given or d_how == "hint":
            # the district written (or hinted) does not hold this name: look in the
            # province, trust less
            codes, s_score, s_how = _best(sub_raw, g.sub_prov[prov] if prov else g.sub_all)
            conf *= 0.6 * (s_score ** 2 if s_score < 1 else 1.0)
            method = _weakest(s_how, p_how)
    else:
        scope = g.sub_prov[prov] if prov else g.sub_all
        codes, s_score, s_how = _best(sub_raw, scope, fuzzy=prov is not None)
        conf *= (0.9 if prov else 0.85) * (s_score ** 2 if s_score < 1 else 1.0)
        method = _weakest(s_how, p_how)
        if len(codes) > 1 and dist_hint:   # the name is in several districts: the hint decides
            hinted = [c for c in codes if c[:4] == dist_hint]
            if len(hinted) == 1:
                codes, method = hinted, _weakest(method, "hint")
    if len(codes) != 1:
        common = {c[:4] for c in codes} if codes else set(dists)
        provs = {c[:2] for c in codes} if codes else ({prov} if prov else set())
        return _Result(dist=common.pop() if len(common) == 1 else None,
                       prov=provs.pop() if len(provs) == 1 else None)
    code = codes[0]
    return _Result(code, code[:4], code[:2], round(min(1.0, conf), 3), method)


_LEVEL_WORD = re.compile(r"^(?:กิ่งอำเภอ|อำเภอ|จังหวัด|ตำบล|แขวง|เขต)+|(?:อำเภอ|จังหวัด|ตำบล|แขวง|เขต)+$")


def _scan(text: str, prov: str | None, dists: list[str], g: _Gazetteer):
    """Real names in text written without markers (``ตั้งใจ เมืองสุรินทร์ สุรินทร์``) or run
    together (``ลาดยาวเขตจตุจักรกทม``). Each word is a province, a district or a
    sub-district name as a whole, or ends with a province then a district name; what is
    left must be a whole word too (``บ้านยาง`` is not ``ยาง``).
    Returns (sub-district word or "", province, districts)."""
    words = [w for w in re.split(r"[\s\d|]+", _MARKER.sub("|", text.replace(".", ". ")))
             if w]
    words = [_LEVEL_WORD.sub("", _key(w)) for w in words]
    fixed = prov is not None
    found_dist: list[str] = []
    subs: list[str] = []
    for w in words:
        while w:
            if w in g.prov and (not fixed or g.prov[w][0] == prov):
                prov = g.prov[w][0]
                break
            table = g.dist[prov] if prov else g.dist_all
            if w in table and len(table[w]) == 1 and not _is_sub(w, prov, dists, g):
                found_dist = list(table[w])
                break
            if w == "เมือง" and prov in g.capital:
                found_dist = [g.capital[prov]]
                break
            if _is_sub(w, prov, dists or found_dist, g):
                subs.append(w)
                break
            # a province or district name at the end of a run-together word
            tail = [k for k in g.prov if len(k) >= 3 and w.endswith(k) and len(w) > len(k)
                    and (not fixed or g.prov[k][0] == prov)]
            tail += [k for k in table if len(k) >= 3 and w.endswith(k) and len(w) > len(k)
                     and len(table[k]) == 1]
            if not tail:
                subs.append(w)
                break
            cut = max(tail, key=len)
            if cut in g.prov and (not fixed or g.prov[cut][0] == prov):
                prov = g.prov[cut][0]
            else:
                found_dist = list(table[cut])
            w = _LEVEL_WORD.sub("", w[: -len(cut)])
    if not dists and found_dist:
        dists = found_dist
        prov = prov or dists[0][:2]
    subs = [w for w in subs if len(w) >= 2]
    if len(subs) == 1:
        return subs[0], prov, dists
    exact = [w for w in subs if _is_sub(w, prov, dists, g)]
    return (exact[0] if len(exact) == 1 else ""), prov, dists


def _is_sub(word: str, prov: str | None, dists: list[str], g: _Gazetteer) -> bool:
    if dists:
        return any(word in g.sub[d] for d in dists)
    return word in (g.sub_prov[prov] if prov else g.sub_all)


# --- the vectorised entry point ---------------------------------------------------------


def _read_one(text: str) -> tuple[str | None, int | None, str]:
    """(house number, หมู่, the rest) of one cleaned address."""
    house = None
    m = _HOUSE.match(text)
    rest = text
    if m:
        house = re.sub(r"\s+", "", m.group(1))
        rest = text[m.end():]
    moo = None
    mm = _MOO.search(rest)
    if mm:
        moo = int(mm.group(1))
        rest = rest[: mm.start()] + " " + rest[mm.end():]
        if house is None:   # "ม.2 บ้านเลขที่ 66 …" or "หมู่ 2 เลขที่ 66"
            hm = re.search(r"(?:บ้านเลขที่|เลขที่)\s*(\d{1,5}(?:/\d{1,4})?)", rest)
            if hm:
                house = hm.group(1)
                rest = rest[: hm.start()] + " " + rest[hm.end():]
    if moo is not None and not 1 <= moo <= 99:
        moo = None
    return house, moo, rest.strip()


@lru_cache(maxsize=1)
def _hint_tables() -> tuple[dict[str, str], dict[str, str]]:
    g = _gazetteer()
    return g.prov_name, g.dist_name


def _province_code(hint: str | None) -> str | None:
    if hint is None or (isinstance(hint, float) and np.isnan(hint)):
        return None
    text = str(hint).strip().translate(thai.TO_ARABIC_DIGITS)
    g = _gazetteer()
    if re.fullmatch(r"\d{2}", text):
        return text if text in g.prov_name else None
    codes, _, _ = _best(text, g.prov)
    return codes[0] if codes else None


def _district_code(hint: object, prov: str | None) -> str | None:
    if hint is None or hint is pd.NA or (isinstance(hint, float) and np.isnan(hint)):
        return None
    text = str(hint).strip().translate(thai.TO_ARABIC_DIGITS)
    if not text:
        return None
    g = _gazetteer()
    if re.fullmatch(r"\d{4}", text):
        return text if text in g.dist_name else None
    codes, _, _ = _district(text, prov, g)
    return codes[0] if len(codes) == 1 else None


def parse(texts: pd.Series, *, province_hint: str | None = None,
          district_hint: pd.Series | None = None) -> pd.DataFrame:
    """Read Thai free-text addresses into DOPA codes.

    Args:
        texts: one address per row (any index; NA/blank allowed).
        province_hint: the province every row is in unless its text names another (the
            file's province), as a 2-digit code or a Thai name.
        district_hint: per row, the district (4-digit code or name, NA allowed) from another
            column, used when the text names none or to choose among same-named places.

    Returns:
        One row per input (same index): ``house_no`` (str or None), ``moo`` (Int64),
        ``subdistrict_code``, ``district_code``, ``province_code`` (str or None),
        ``confidence`` (float 0–1, 0 when no sub-district) and ``method`` (one of
        :data:`METHODS`). District and province codes are filled when known even if the
        sub-district is not.
    """
    prov_hint = _province_code(province_hint)
    s = texts.astype("object").where(texts.notna(), "").to_numpy()
    if district_hint is not None:
        hints = district_hint.reindex(texts.index).astype("object")
        hints = hints.where(hints.notna(), "").map(str).to_numpy()
        h_codes, h_uniques = pd.factorize(hints)
        # one key per (text, hint): the hint's number after a separator no address holds
        keys = np.array([f"{t}\x1f{c}" for t, c in zip(s, h_codes)], dtype=object)
        codes, key_uniques = pd.factorize(keys, sort=False)
        uniques = [(k.rsplit("\x1f", 1)[0], h_uniques[int(k.rsplit("\x1f", 1)[1])])
                   for k in key_uniques]
    else:
        codes, t_uniques = pd.factorize(s, sort=False)
        uniques = [(t, "") for t in t_uniques]
    n = len(uniques)
    house = np.empty(n, dtype=object)
    moo = np.full(n, -1, dtype=np.int64)
    sub = np.empty(n, dtype=object)
    dist = np.empty(n, dtype=object)
    prov = np.empty(n, dtype=object)
    conf = np.zeros(n, dtype=np.float64)
    method = np.empty(n, dtype=object)
    place_cache: dict[tuple[str, str | None], _Result] = {}
    hint_cache: dict[str, str | None] = {}
    for i, (raw, hint) in enumerate(uniques):
        text = str(raw)
        if _ODD.search(text):   # zero-width marks, Thai digits: rare, so only then
            text = _ZW.sub("", text).translate(thai.TO_ARABIC_DIGITS)
        text = " ".join(text.split())
        h, m, rest = _read_one(text) if text else (None, None, "")
        house[i] = h
        if m is not None:
            moo[i] = m
        if hint not in hint_cache:
            hint_cache[hint] = _district_code(hint, prov_hint)
        d_hint = hint_cache[hint]
        key = (rest, d_hint)
        r = place_cache.get(key)
        if r is None:
            r = _resolve(_split(rest), prov_hint, d_hint) if rest else _Result(
                dist=d_hint, prov=prov_hint or (d_hint[:2] if d_hint else None))
            place_cache[key] = r
        sub[i], dist[i], prov[i], conf[i], method[i] = (r.sub, r.dist, r.prov, r.confidence,
                                                        r.method)
    moo_s = pd.array(np.where(moo[codes] >= 0, moo[codes], 0), dtype="Int64")
    moo_s[moo[codes] < 0] = pd.NA
    def col(values: np.ndarray) -> pd.Series:   # str or None, never NaN
        return pd.Series(values[codes], index=texts.index, dtype=object)

    return pd.DataFrame({
        "house_no": col(house),
        "moo": pd.Series(moo_s, index=texts.index),
        "subdistrict_code": col(sub),
        "district_code": col(dist),
        "province_code": col(prov),
        "confidence": pd.Series(conf[codes], index=texts.index),
        "method": col(method),
    })
