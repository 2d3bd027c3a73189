"""Thai normalisation of the fields used to link complaints: names, phones, IDs, addresses,
free text. Vectorised over pandas Series (feeds run to hundreds of thousands of rows).

Why each step:

* titles (นาย/นาง/นางสาว/น.ส./ด.ช./Mr …) differ between agencies for the same person, so they
  are dropped from names before comparison;
* zero-width spaces, repeated spaces and Thai digits come from copy-paste and old systems;
* tone marks and the silencer (ไม้เอก … การันต์) are the most common Thai typing slips, so
  the *text* key drops them (names keep them: Splink's Jaro-Winkler tolerates one slip);
* addresses are written ม./หมู่/หมู่ที่, ต./ตำบล, อ./อำเภอ, จ./จังหวัด; one spelling each;
* free text is compared as sets of character trigrams: Thai has no spaces between words and
  n-grams need no word segmenter (a dictionary segmenter would add a heavy dependency and
  still split paraphrases differently).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from oneplan.core import thai


TITLES = ("นางสาว", "น.ส.", "นาย", "นาง", "ด.ช.", "ด.ญ.", "เด็กชาย", "เด็กหญิง",
          "ว่าที่ร.ต.", "ว่าที่ ร.ต.", "Mr.", "Mrs.", "Miss", "Ms.", "Mr", "Mrs", "Ms")
_TITLE_RE = re.compile(r"^\s*(?:" + "|".join(re.escape(t) for t in
                                              sorted(TITLES, key=len, reverse=True)) + r")\s*")
_ZW_RE = r"[\u200b\u200c\u200d\ufeff]"
# Tone marks, mai taikhu, thanthakhat (silencer), nikhahit kept; see module docstring.
_TONE_RE = r"[\u0e47-\u0e4c]"
_ADDRESS_ABBR = (
    (r"หมู่ที่\s*|หมู่\s*|ม\.\s*", "ม."),
    (r"ตำบล\s*|ต\.\s*", "ต."),
    (r"อำเภอ\s*|อ\.\s*", "อ."),
    (r"จังหวัด\s*|จ\.\s*", "จ."),
    (r"ถนน\s*|ถ\.\s*", "ถ."),
    (r"ซอย\s*|ซ\.\s*", "ซ."),
)


ARROW_STRING = pd.StringDtype("pyarrow")


def clean(s: pd.Series) -> pd.Series:
    """Strings trimmed, inner spaces collapsed, Thai digits as Arabic; blanks as NA."""
    # Arrow-backed strings: the regex replacements then run in Arrow (RE2), not Python
    s = s.astype(ARROW_STRING).str.replace(_ZW_RE, "", regex=True)
    thai_digits = s.str.contains(thai.THAI_DIGIT_CLASS, regex=True).fillna(False).astype(bool)
    if thai_digits.any():  # str.translate is per row in Python: only where needed
        s = s.copy()
        s[thai_digits] = s[thai_digits].str.translate(thai.TO_ARABIC_DIGITS)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


def strip_title(names: pd.Series) -> pd.Series:
    """Names without their title (นาย, นาง, นางสาว, น.ส., ...), cleaned of stray spaces."""
    return clean(names).str.replace(_TITLE_RE, "", regex=True).str.strip()


def split_name(full: pd.Series) -> pd.DataFrame:
    """``first_name`` / ``last_name`` from a full name (title dropped); the last name is
    everything after the first space. Empty parts are NA."""
    s = strip_title(full)
    parts = s.str.split(" ", n=1, expand=True)
    if parts.shape[1] == 1:
        parts[1] = pd.NA
    out = pd.DataFrame({"first_name": parts[0], "last_name": parts[1]})
    return out.replace("", pd.NA)


def name_key(names: pd.Series) -> pd.Series:
    """Comparison key of a name part: no title, no spaces, lower case (Latin)."""
    return strip_title(names).str.replace(" ", "", regex=False).str.lower().replace("", pd.NA)


def phones(values: pd.Series) -> pd.Series:
    """Canonical Thai phone numbers (``0812345678``) or NA; see
    :func:`oneplan.core.thai.normalize_phone`. Fast path for the common shapes."""
    s = clean(values.astype("string")).str.replace(r"(?:ต่อ|ext\.?|x|#)\s*\d{1,5}$", "",
                                                    regex=True)
    digits = s.str.replace(r"[\s().\-]", "", regex=True)
    digits = digits.str.replace(r"^\+?66(?=\d{8,9}$)", "0", regex=True)
    ok = digits.str.fullmatch(r"0[689]\d{8}|0[2-7]\d{7}").fillna(False).astype(bool)
    return digits.where(ok, pd.NA)


def national_ids(values: pd.Series) -> pd.Series:
    """13-digit national IDs with a valid check digit, else NA (a wrong check digit is a
    typing slip; such an ID must not link two people)."""
    d = clean(values.astype("string")).str.replace(r"[\s\-]", "", regex=True)
    well_formed = d.str.fullmatch(r"\d{13}").fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    if well_formed.any():
        arr = np.frombuffer("".join(d[well_formed].tolist()).encode("ascii"),
                            dtype=np.uint8).reshape(-1, 13) - 48
        check = (11 - (arr[:, :12] * np.arange(13, 1, -1)).sum(axis=1) % 11) % 10
        valid = check == arr[:, 12]
        idx = d[well_formed].index[valid]
        out.loc[idx] = d.loc[idx]
    return out


def address(values: pd.Series) -> pd.Series:
    """One spelling of Thai address abbreviations (ม. ต. อ. จ. ถ. ซ.), Thai digits as Arabic,
    single spaces."""
    s = clean(values)
    for pattern, repl in _ADDRESS_ABBR:
        s = s.str.replace(pattern, repl, regex=True)
    return s


def moo_from_address(values: pd.Series) -> pd.Series:
    """หมู่ที่ (village number) read from an address written any common way; NA if none."""
    m = address(values).str.extract(r"ม\.(\d{1,2})")[0]
    return pd.to_numeric(m, errors="coerce").astype("Int64")


def house_from_address(values: pd.Series) -> pd.Series:
    """House number (``12`` or ``12/3``) at the start of an address; NA if none."""
    return address(values).str.extract(r"^(?:บ้านเลขที่\s*|เลขที่\s*)?(\d{1,4}(?:/\d{1,3})?)")[0]


def text_key(values: pd.Series) -> pd.Series:
    """Free text reduced for similarity (see :func:`text_keys`):
    no boilerplate, tone marks, spaces or punctuation; one spelling of abbreviations."""
    return pd.Series(text_keys(values.fillna("").astype(str).tolist()), index=values.index,
                     dtype="string")


BOILERPLATE = ("เรียน ผู้ว่าราชการจังหวัด", "เรียนผู้ว่าราชการจังหวัด", "จึงเรียนมาเพื่อโปรดพิจารณา",
               "ขอบคุณครับ", "ขอบคุณค่ะ", "ขอร้องเรียนเรื่อง", "ผู้ร้องแจ้งว่า", "ขอแจ้งปัญหา",
               "แจ้งว่า", "ชาวบ้านเดือดร้อนมาก", "แจ้งหลายครั้งแล้ว", "เนื่องจาก")


_DROP_RE = None


_THAI_DIGIT_RE = None


_BOILER_RE = None


# Thai officialese abbreviations in complaint texts, one spelling each (an officer
# retelling a matter writes ถ. for ถนน, ร.ร. for โรงเรียน …). Longest first where they nest.
_TEXT_ABBR = ((r"โรงพยาบาลส่งเสริมสุขภาพตำบล|รพ\.\s*สต\.", "รพสต"), (r"โรงเรียน|ร\.\s*ร\.", "รร"),
              (r"กิโลเมตรที่\s*|กิโลเมตร\s*|กม\.\s*", "กม"), (r"ผู้ใหญ่บ้าน|ผญบ\.", "ผญบ"),
              (r"องค์การบริหารส่วนตำบล|อบต\.", "อบต"), (r"สถานีอนามัย|สอ\.", "สอ"),
              (r"หมู่ที่\s*|หมู่\s*|ม\.\s*", "ม"), (r"ตำบล\s*|ต\.\s*", "ต"),
              (r"ซอย\s*|ซ\.\s*", "ซ"), (r"ถนน\s*|ถ\.\s*", "ถ"))


def text_keys(texts) -> list[str]:
    """Matter texts reduced for comparison: boilerplate removed, one spelling of the
    address and officialese abbreviations, no tone marks, spaces or punctuation, Thai digits as Arabic."""
    import re

    global _BOILER_RE, _DROP_RE, _THAI_DIGIT_RE
    if _BOILER_RE is None:
        _DROP_RE = re.compile("[\u0e47-\u0e4c\\s\"'“”‘’(),.:;!?-]+")
        _THAI_DIGIT_RE = re.compile(thai.THAI_DIGIT_CLASS)
        _BOILER_RE = re.compile("|".join(sorted((re.escape(b).replace("\\ ", r"\s*")
                                                 for b in BOILERPLATE), key=len, reverse=True)))
    abbr = [(re.compile(a), b) for a, b in _TEXT_ABBR]
    out = []
    for t in texts:
        t = _BOILER_RE.sub("", str(t).lower())
        for rx, rep in abbr:
            t = rx.sub(rep, t)
        t = _DROP_RE.sub("", t)
        out.append(t.translate(thai.TO_ARABIC_DIGITS) if _THAI_DIGIT_RE.search(t) else t)
    return out
