"""Synthetic complaint feeds for the 15 agencies, with the truth kept for measuring linkage.

The generator draws people (with real DOPA sub-district codes from :mod:`oneplan.core.areas`),
the matters they complain about, and the copies of each matter that reach 2–4 agencies,
each copy written the way its agency writes (``feeds.yml``). What makes linkage hard is
drawn on purpose:

* a person's name-title differs between copies (นาย/นาง/น.ส./นางสาว), names get typos,
  phones are formatted differently, IDs are left out or mistyped (a bad check digit),
  addresses use ม./หมู่/หมู่ที่, ต./ตำบล; some copies are anonymous;
* each copy paraphrases the matter (synonyms, politeness formulas, word order, how long
  it has lasted remembered differently) and is dated 0–10 days after the first; every
  matter happened at one place of its village (a landmark: ``หน้าวัดบ้านโนนแก``) that
  every copy names;
* about half the later copies are the matter *retold by another agency's officer*
  (:func:`retell`): clauses reordered, another facet of the problem, another request,
  words swapped for synonyms, abbreviations (ถ. ซ. ม. ร.ร. อบต. …), courtesy phrases
  added or dropped, the detail sometimes left out — only the landmark is sure to stay;
  some copies are filed under a related category of the agency (a road that floods under
  ``flood``) or under อื่น ๆ;
* recurring complainants file several different matters over the year, some about the
  same problem in the same place months apart (a recurring problem, not a duplicate),
  some a *different* matter of the same category in the same village 1–5 weeks later
  (which must not merge);
* first names and surnames are drawn with realistic skew (a few very common, many rare),
  and some people are namesakes of a villager (same first name and surname, same หมู่,
  another house, ID and phone);
* family members share a phone, surname and address; neighbours report the same kind of
  problem on the same day in the same village (look-alikes that are not duplicates);
* a few sub-districts are hotspots of one category;
* each feed is written as agencies really type it (issue 14): a share of its dates in
  other forms than the feed declares (month names, Thai digits, ISO, two-digit years),
  some category labels the feed never declared (``อื่น ๆ``, ``เรื่องทั่วไป``), a few case
  numbers used again for a different complaint, and some rows whose place is only the
  free-text address (the sub-district columns left empty). These draws come from their
  own random stream (:data:`MESSY`), so the people, matters and copies are the same as
  without them.

``truth_person`` and ``truth_matter`` say who filed a record and which matter it is; a
correct linker puts exactly the records of one matter in one cluster. Every value is
synthetic; national IDs have valid check digits but are random.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from oneplan.core import areas, thai
from oneplan.complaints.feeds import Feed, Registry, feed_file_name, registry

log = logging.getLogger(__name__)

GENERATOR = "oneplan.samples.feeds v3"

MESSY = {"date_other_form": 0.10, "label_other": 0.06, "label_unknown": 0.02,
         "case_repeat": 0.005, "address_only": 0.01}
"""Shares of records written the way people type, not as the feed declares (see the
module docstring); ``generate(messy=False)`` writes every record in its feed's form."""
UNKNOWN_LABELS = ("อื่น ๆ", "เรื่องทั่วไป")
"""Category labels no feed declares: "other" (spaced) and a label of the agency's own."""

MALE = ("สมชาย สมศักดิ์ สมพงษ์ ประเสริฐ วิชัย สุรชัย ธนากร ณัฐพล กิตติพงษ์ อนุชา ชัยวัฒน์ "
        "บุญมี บุญเลิศ ทองดี สมบัติ ประยุทธ วีระ สุริยา อภิชาติ พิชิต ธีรวัฒน์ เกียรติศักดิ์ "
        "ศักดิ์ชัย มานพ สุเทพ ไพโรจน์ วรวุฒิ ปิยะ อำนาจ เอกชัย จักรพันธ์ ธวัชชัย นิพนธ์ "
        "สมหมาย บุญส่ง ทวีศักดิ์ ชาตรี พงศกร ภานุวัฒน์ ศุภชัย สมเกียรติ อดิศักดิ์ ยุทธนา "
        "ประดิษฐ์ เฉลิมชัย สุวิทย์ วิทยา ชูชาติ บรรจง").split()
FEMALE = ("สมหญิง สมศรี มาลี วันเพ็ญ สุดารัตน์ กนกวรรณ จันทร์เพ็ญ ศิริพร พรทิพย์ นงลักษณ์ "
          "ราตรี สุภาพร อรุณี บุญเรือน ทองใบ ประภา วิไลวรรณ ปราณี รัชนี สายสุนีย์ ดวงใจ "
          "อัมพร จิราพร ณัฐธิดา ปิยะนุช ศศิธร อรอุมา กาญจนา เยาวลักษณ์ บัวผัน คำปุ่น "
          "นิตยา พิมพ์ใจ ละเอียด สุนันทา อุไรวรรณ วาสนา ลำดวน ทิพวรรณ มยุรี สมพร "
          "บังอร ปัทมา รุ่งนภา อารีย์ เพ็ญศรี จุฑามาศ ธิดารัตน์ สุกัญญา").split()
_SYLLABLES = ("ศรี สุข ทอง แก้ว บุญ ชัย วงศ์ ประเสริฐ มั่น คง ดี งาม เจริญ พันธ์ สวัสดิ์ "
              "รักษ์ ไทย สม ศักดิ์ ภักดี นาค ปัญญา วิเศษ จันทร์ สิงห์ พรหม อินทร์ โพธิ์ "
              "เพชร นิล ขำ คำ แสง สว่าง ภู มณี ธรรม กุล เดช ฤทธิ์ ทิพย์ เรือง นาม "
              "ประทุม สาร ศิลป์ โชติ วัฒนา").split()

CATEGORY_WEIGHTS = {"road": 0.16, "streetlight": 0.11, "water_supply": 0.10, "flood": 0.09,
                    "garbage": 0.08, "pollution": 0.09, "land": 0.07, "debt": 0.06,
                    "consumer": 0.05, "official": 0.05, "agriculture": 0.05, "health": 0.03,
                    "drugs": 0.03, "welfare": 0.03}

# Per category: objects, problems, requests (synonyms, one drawn per copy) and details
# (drawn once per matter; {n} a number, shared by every copy of the matter).
TEXT = {
    "road": (["ถนน", "ถนนลาดยาง", "ถนนคอนกรีต", "ผิวจราจร"],
             ["ชำรุดเป็นหลุมเป็นบ่อ", "แตกร้าวเสียหายหนัก", "เป็นหลุมลึกรถตกบ่อย", "ทรุดตัวเป็นแอ่ง"],
             ["ขอให้ซ่อมแซมโดยด่วน", "ขอให้เร่งซ่อมถนน", "ขอให้ปรับปรุงผิวถนน"],
             ["ซอย {n}", "ช่วงกิโลเมตรที่ {n}", "หน้าโรงเรียนบ้านหนองบัว", "ทางเข้าวัดป่า",
              "สายหลังตลาดสด ช่วงที่ {n}", "ข้างสะพานคลอง {n}"]),
    "streetlight": (["ไฟฟ้าส่องสว่าง", "ไฟถนน", "โคมไฟสาธารณะ", "ไฟทาง"],
                    ["ดับมาหลายคืน", "ไม่ติดทั้งแนว", "เสียใช้งานไม่ได้", "ติดๆดับๆ"],
                    ["ขอให้ซ่อมไฟ", "ขอให้เปลี่ยนหลอดไฟ", "ขอให้มาแก้ไขโดยเร็ว"],
                    ["เสาต้นที่ {n}", "ซอย {n}", "ทางโค้งหน้าศาลา", "ถนนเลียบคลอง ช่วงที่ {n}",
                     "หน้าตลาดนัด", "ทางเข้าหมู่บ้าน"]),
    "water_supply": (["น้ำประปา", "ประปาหมู่บ้าน", "ระบบน้ำประปา"],
                     ["ไม่ไหลหลายวัน", "ไหลอ่อนมาก", "ขุ่นมีตะกอน", "ท่อแตกรั่วซึม"],
                     ["ขอให้แก้ไขด่วน", "ขอให้ตรวจสอบระบบ", "ขอให้ซ่อมท่อ"],
                     ["โซน {n}", "ซอย {n}", "บริเวณหอถังสูง", "ท่อเมนหน้าบ้านผู้ใหญ่บ้าน",
                      "จุดจ่ายน้ำที่ {n}"]),
    "flood": (["น้ำท่วมขัง", "น้ำท่วมถนน", "ท่อระบายน้ำ", "รางระบายน้ำ"],
              ["ระบายไม่ทันทุกครั้งที่ฝนตก", "อุดตันน้ำเน่าเหม็น", "ท่วมสูงเข้าบ้านเรือน",
               "ขังนานหลายวัน"],
              ["ขอให้ขุดลอก", "ขอให้วางท่อระบายน้ำเพิ่ม", "ขอให้แก้ไขปัญหาน้ำท่วม"],
              ["ซอย {n}", "หน้าวัด", "ถนนสายหลัก ช่วงที่ {n}", "ลำห้วยสาย {n}", "ทุ่งนาฝั่งตะวันออก"]),
    "garbage": (["ขยะ", "ขยะมูลฝอย", "กองขยะ"],
                ["ไม่มีรถมาเก็บหลายสัปดาห์", "ส่งกลิ่นเหม็นรบกวน", "ถูกนำมาทิ้งริมทาง",
                 "ล้นถังเกลื่อนถนน"],
                ["ขอให้จัดเก็บ", "ขอให้เพิ่มรอบเก็บขยะ", "ขอให้ดำเนินการกับผู้ลักลอบทิ้ง"],
                ["จุดทิ้งที่ {n}", "ซอย {n}", "ข้างตลาดสด", "ริมถนนทางไปป่าช้า", "หลังโรงเรียน"]),
    "pollution": (["กลิ่นเหม็น", "เสียงดัง", "ฝุ่นละออง", "ควันไฟ"],
                  ["จากโรงงานรบกวนทั้งวัน", "จากฟาร์มหมูรบกวนชาวบ้าน",
                   "จากการเผาทำให้หายใจไม่สะดวก", "จากร้านคาราโอเกะยามวิกาล"],
                  ["ขอให้ตรวจสอบ", "ขอให้ควบคุมแหล่งกำเนิด", "ขอให้สั่งระงับ"],
                  ["โรงงานแห่งที่ {n}", "ฟาร์มริมถนนสาย {n}", "ร้านหัวมุมซอย {n}",
                   "บ่อขยะท้ายหมู่บ้าน", "ลานตากมันสำปะหลัง"]),
    "land": (["ที่ดินทำกิน", "ที่สาธารณะประโยชน์", "แนวเขตที่ดิน"],
             ["ถูกบุกรุก", "ถูกล้อมรั้วปิดทาง", "มีข้อพิพาทกับเพื่อนบ้าน", "ถูกออกเอกสารทับซ้อน"],
             ["ขอให้รังวัดตรวจสอบ", "ขอให้ไกล่เกลี่ย", "ขอความเป็นธรรม"],
             ["แปลงที่ {n}", "โฉนดเลขที่ {n}", "ที่ดินติดลำห้วย", "ทางสาธารณะสาย {n}"]),
    "debt": (["หนี้นอกระบบ", "เงินกู้นอกระบบ", "การทวงหนี้"],
             ["คิดดอกเบี้ยร้อยละ {n} ต่อเดือน", "ข่มขู่คุกคามครอบครัว", "ยึดเอกสารสิทธิ์ไว้"],
             ["ขอความช่วยเหลือ", "ขอให้ไกล่เกลี่ยหนี้", "ขอให้ดำเนินคดี"],
             ["ยอดหนี้ {n}0,000 บาท", "กู้ตั้งแต่ปี 25{n}", "เจ้าหนี้รายที่ {n}"]),
    "consumer": (["สินค้า", "บริการ", "สัญญาซื้อขาย"],
                 ["ไม่ตรงตามโฆษณา", "ชำรุดแต่ร้านไม่รับผิดชอบ", "ถูกเรียกเก็บเงินเกิน"],
                 ["ขอให้ไกล่เกลี่ย", "ขอเงินคืน", "ขอให้ตรวจสอบผู้ประกอบการ"],
                 ["ราคา {n},900 บาท", "คำสั่งซื้อที่ {n}", "ร้านสาขาที่ {n}"]),
    "official": (["เจ้าหน้าที่", "พนักงาน", "ผู้นำชุมชน"],
                 ["ให้บริการล่าช้า", "เรียกรับเงิน", "ปฏิบัติหน้าที่ไม่เป็นธรรม", "พูดจาไม่สุภาพ"],
                 ["ขอให้ตรวจสอบ", "ขอให้ลงโทษทางวินัย", "ขอความเป็นธรรม"],
                 ["ช่องบริการที่ {n}", "เมื่อวันที่ {n}", "เรื่องคำขอเลขที่ {n}"]),
    "agriculture": (["นาข้าว", "สวนยาง", "ไร่มันสำปะหลัง", "พืชผลทางการเกษตร"],
                    ["ขาดน้ำยืนต้นตาย", "ถูกแมลงศัตรูพืชระบาด", "เสียหายจากภัยแล้ง"],
                    ["ขอรับการช่วยเหลือ", "ขอน้ำเพื่อการเกษตร", "ขอให้สำรวจความเสียหาย"],
                    ["แปลงที่ {n}", "เนื้อที่ {n} ไร่", "ทุ่งนาหลังหมู่บ้าน"]),
    "health": (["สถานพยาบาล", "โรงพยาบาลส่งเสริมสุขภาพตำบล", "ร้านอาหาร"],
               ["ให้บริการไม่ได้มาตรฐาน", "ไม่ถูกสุขลักษณะ", "ขาดยาและเวชภัณฑ์"],
               ["ขอให้ตรวจสอบ", "ขอให้ปรับปรุงบริการ", "ขอให้ควบคุมมาตรฐาน"],
               ["แห่งที่ {n}", "ร้านหัวมุมซอย {n}", "ตึกผู้ป่วยนอก"]),
    "drugs": (["ยาเสพติด", "การพนัน", "บ่อนการพนัน"],
              ["มีการซื้อขายในชุมชน", "มั่วสุมยามวิกาล", "เปิดเล่นเป็นประจำ"],
              ["ขอให้ตรวจค้น", "ขอให้จับกุม", "ขอให้ปราบปราม"],
              ["บ้านหลังที่ {n} ในซอย", "กระท่อมกลางทุ่ง", "ร้านค้าหัวมุมซอย {n}"]),
    "welfare": (["เบี้ยยังชีพ", "บ้านพักอาศัย", "ผู้สูงอายุ", "คนพิการ"],
                ["ยังไม่ได้รับความช่วยเหลือ", "เดือดร้อนไม่มีรายได้", "บ้านทรุดโทรมใกล้พัง"],
                ["ขอรับการช่วยเหลือ", "ขอรับสวัสดิการ", "ขอให้ซ่อมบ้าน"],
                ["สมาชิก {n} คน", "ตั้งแต่เดือนที่ {n}", "ค้างจ่าย {n} เดือน"]),
}
PREFIXES = ["", "", "เรียน ผู้ว่าราชการจังหวัด ", "ขอร้องเรียนเรื่อง", "แจ้งว่า", "ขอแจ้งปัญหา",
            "ผู้ร้องแจ้งว่า"]
SUFFIXES = ["", "", " จึงเรียนมาเพื่อโปรดพิจารณา", " ขอบคุณครับ", " ขอบคุณค่ะ",
            " ชาวบ้านเดือดร้อนมาก", " แจ้งหลายครั้งแล้ว"]
DURATIONS = ["", "มาประมาณ {d} เดือน", "นาน {d} เดือนแล้ว", "ตั้งแต่ {d} สัปดาห์ก่อน"]

# Where a matter happened: a kind of place and the village it is in (a village name is
# drawn once per sub-district and หมู่, so a person's other matters and the neighbours'
# name the same village; the place kind is drawn per matter).
LANDMARK_KINDS = ("หน้าวัด", "ข้างโรงเรียน", "ทางเข้า", "ใกล้สถานีอนามัย", "ตรงข้ามตลาดนัด",
                  "ริมคลองส่งน้ำ", "หลังที่ทำการผู้ใหญ่บ้าน", "สามแยก", "ข้างโรงสีข้าว",
                  "หน้าสนามกีฬา", "ใกล้ศาลปู่ตา", "ข้างฝายกั้นน้ำ", "หน้าปั๊มน้ำมัน",
                  "ใกล้หอกระจายข่าว", "ท้ายซอยหลังตลาด", "ข้างบ่อบำบัดน้ำเสีย")
VILLAGE_HEAD = ("หนอง", "โนน", "ดอน", "นา", "โคก", "ห้วย", "สระ", "ป่า", "บึง", "ท่า", "หัว", "เหล่า")
VILLAGE_TAIL = ("แก", "ยาง", "ไผ่", "แดง", "ทอง", "ใหญ่", "น้อย", "สว่าง", "เจริญ", "ตาล",
                "ม่วง", "ขาม", "กอก", "จิก", "เต่า", "หว้า", "บก", "งิ้ว", "ดู่", "คูณ")
# Another officer retelling the matter: openings and closings he or she adds,
# word-for-word synonyms and the abbreviations of Thai officialese.
RETELL_OPEN = ("", "", "กราบเรียนนายอำเภอ ", "ด้วยผู้ร้องได้รับความเดือดร้อน ", "ประชาชนแจ้งทางสายด่วนว่า ",
               "ได้รับแจ้งจากผู้ร้องว่า ", "ขอความอนุเคราะห์ ", "รับเรื่องจากศูนย์ฯ ว่า ")
RETELL_CLOSE = ("", "", " จะเป็นพระคุณอย่างสูง", " ด่วนที่สุด", " รบกวนหน่วยงานช่วยดำเนินการ",
                " เพื่อโปรดพิจารณาดำเนินการ", " (ส่งต่อจากศูนย์ดำรงธรรม)", " ผู้ร้องรอคำตอบ")
RETELL_SYNONYMS = (("ชำรุด", "เสียหาย"), ("ขอให้", "อยากให้"), ("ขอให้", "ขอความกรุณา"),
                   ("ซ่อมแซม", "แก้ไข"), ("ซ่อม", "ปรับปรุง"), ("หลายวัน", "หลายวันแล้ว"),
                   ("รบกวน", "ก่อความเดือดร้อนแก่"), ("ตรวจสอบ", "ลงพื้นที่ตรวจสอบ"),
                   ("เร่ง", "รีบ"), ("ไม่", "ยังไม่"), ("ขอรับ", "ขอ"), ("ด่วน", "โดยเร็ว"))
ABBREVIATIONS = (("ถนน", "ถ."), ("ซอย", "ซ."), ("หมู่ ", "ม."), ("ช่วงกิโลเมตรที่ ", "กม."),
                 ("โรงเรียน", "ร.ร."), ("ผู้ใหญ่บ้าน", "ผญบ."), ("สถานีอนามัย", "สอ."),
                 ("โรงพยาบาลส่งเสริมสุขภาพตำบล", "รพ.สต."), ("ประมาณ", "ราว"))
RELATED = {"road": "flood", "flood": "road", "streetlight": "road", "water_supply": "flood",
           "garbage": "pollution", "pollution": "garbage", "land": "official",
           "agriculture": "water_supply", "health": "pollution", "debt": "official",
           "consumer": "official", "drugs": "official", "welfare": "official",
           "official": "welfare"}
"""A category an officer may file a matter under instead of its own (a road that floods
under ``flood``): used where the copy's agency takes that category."""
P_RETELL = 0.55
"""Share of later copies retold by another agency's officer (:func:`retell`)."""


def retell(text: str, u: np.ndarray) -> str:
    """``text`` as another agency's officer would write it down: synonyms swapped (each
    with probability 1/2), abbreviations (1/2), an opening and a closing of the officer's
    own. ``u``: 4 uniform draws."""
    out = text
    for i, (a, b) in enumerate(RETELL_SYNONYMS):
        if ((int(u[0] * 7919) >> (i % 13)) & 1) and a in out:
            out = out.replace(a, b, 1)
    if u[1] < 0.5:
        for a, b in ABBREVIATIONS:
            out = out.replace(a, b)
    return (RETELL_OPEN[int(u[2] * len(RETELL_OPEN))] + out
            + RETELL_CLOSE[int(u[3] * len(RETELL_CLOSE))]).replace("  ", " ").strip()


@dataclass
class Generated:
    """Generated copies (one row per agency record, with plain synthetic PII) and truth."""

    records: pd.DataFrame
    seed: int
    fiscal_year: int

    @property
    def names(self) -> set[str]:
        """Every full name generated (to scan reports for)."""
        r = self.records
        return set((r["first_name"].dropna() + " " + r["last_name"].dropna()).dropna())


def _subdistricts(provinces: list[str] | None) -> pd.DataFrame:
    codes = provinces or [p.code for p in areas.planning_provinces()]
    rows = []
    for pc in codes:
        p = areas.province(pc)
        for d in areas.districts(p.code):
            for s in areas.subdistricts(d.code):
                rows.append((s.code, s.name_th, d.name_th, p.name_th))
    return pd.DataFrame(rows, columns=["code", "sub", "dist", "prov"])


def _national_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    d = rng.integers(0, 10, size=(n, 13))
    d[:, 0] = rng.integers(1, 9, size=n)
    d[:, 12] = (11 - (d[:, :12] * np.arange(13, 1, -1)).sum(axis=1) % 11) % 10
    return np.array(["".join(map(str, row)) for row in d.tolist()], dtype=object)


def _skewed(rng: np.random.Generator, n_items: int, size: int, a: float = 1.0) -> np.ndarray:
    """``size`` indexes into ``n_items`` with Zipf-like weights ``1 / rank**a``."""
    w = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size=size, p=w / w.sum())


def _typo(rng: np.random.Generator, words: np.ndarray, p: float) -> np.ndarray:
    out = words.copy()
    hit = np.flatnonzero(rng.random(len(words)) < p)
    thai_letters = "กขคงจชซดตทนบปพฟมยรลวสหอ"
    for i, pos, ch, kind in zip(hit, rng.random(len(hit)), rng.integers(0, 23, len(hit)),
                                rng.integers(0, 3, len(hit))):
        w = out[i]
        if not isinstance(w, str) or len(w) < 3:
            continue
        k = 1 + int(pos * (len(w) - 2))
        out[i] = (w[:k] + thai_letters[ch] + w[k + 1:] if kind == 0 else
                  w[:k] + w[k + 1:] if kind == 1 else w[:k] + w[k + 1] + w[k] + w[k + 2:])
    return out


def generate(n_records: int = 10_000, provinces: list[str] | None = None, *, seed: int = 2567,
             fiscal_year: int = 2570, reg: Registry | None = None, id_tag: str = "",
             truth_offset: int = 0, messy: bool = True) -> Generated:
    """Draw about ``n_records`` agency records (exactly ``n_records``) with their truth.

    Args:
        provinces: DOPA codes to draw addresses from (default: all 76).
        fiscal_year: the fiscal year (พ.ศ.) the complaints are received in.
        id_tag: appended to every case number (separate batches of one agency).
        truth_offset: added to the truth ids (to combine several generated sets).
        messy: write a share of records as people type them (:data:`MESSY`): columns
            ``date_form`` (0: the feed's own; 1–5 another form), ``label_form`` (0: the
            feed's label; 1 "อื่น ๆ"; 2 a label it never declared), ``address_only``,
            ``case_repeat`` (the case number of an earlier record of the agency).

    Returns:
        :class:`Generated` with one row per agency record.
    """
    reg = reg or registry()
    rng = np.random.default_rng(seed)
    subs = _subdistricts(provinces)
    fy_start, fy_end = thai.fiscal_year_bounds(fiscal_year)
    days_in_year = (fy_end - fy_start).days + 1

    # people ----------------------------------------------------------------------------
    n_people = max(10, int(n_records / 2.2))
    female = rng.random(n_people) < 0.52
    # a few first names are very common, most are not (Zipf-like ranks)
    first = np.where(female, np.array(FEMALE, dtype=object)[_skewed(rng, len(FEMALE), n_people)],
                     np.array(MALE, dtype=object)[_skewed(rng, len(MALE), n_people)])
    syl = np.array(_SYLLABLES, dtype=object)
    n_sur = max(300, n_people // 3)
    nsyl = rng.integers(2, 4, n_sur)
    s1, s2, s3 = (syl[rng.integers(0, len(syl), n_sur)] for _ in range(3))
    surnames = np.where(nsyl == 2, s1 + s2, s1 + s2 + s3)
    last = surnames[_skewed(rng, n_sur, n_people, 0.8)]
    home = rng.integers(0, len(subs), n_people)
    moo = rng.integers(1, 16, n_people)
    house = np.array([f"{a}" if b == 0 else f"{a}/{b}" for a, b in
                      zip(rng.integers(1, 300, n_people), np.where(rng.random(n_people) < 0.3,
                          rng.integers(1, 20, n_people), 0))], dtype=object)
    nid = _national_ids(rng, n_people)
    phone = np.array([f"0{p}{x:08d}" for p, x in zip(rng.choice([6, 8, 9], n_people),
                                                     rng.integers(0, 10**8, n_people))],
                     dtype=object)
    phone[rng.random(n_people) < 0.08] = None
    married = female & (rng.random(n_people) < 0.6)
    # families: a person shares surname, address and home phone with the one before
    fam = np.flatnonzero(rng.random(n_people) < 0.08)
    fam = fam[fam > 0]
    last[fam], home[fam], moo[fam], house[fam], phone[fam] = (
        last[fam - 1], home[fam - 1], moo[fam - 1], house[fam - 1], phone[fam - 1])
    # namesakes: a person named like an earlier villager, in the same หมู่ (another house)
    twin = np.flatnonzero(rng.random(n_people) < 0.03)
    twin = twin[twin > 0]
    of = (rng.random(len(twin)) * twin).astype(np.int64)
    first[twin], last[twin], home[twin], moo[twin], female[twin] = (
        first[of], last[of], home[of], moo[of], female[of])

    # matters ---------------------------------------------------------------------------
    per_person = 1 + rng.geometric(0.62, n_people) - 1  # 1, 2, 3 ... (recurring complainants)
    m_person = np.repeat(np.arange(n_people), per_person)
    n_m = len(m_person)
    cats = np.array(list(CATEGORY_WEIGHTS), dtype=object)
    w = np.array(list(CATEGORY_WEIGHTS.values()))
    m_cat = cats[rng.choice(len(cats), n_m, p=w / w.sum())]
    m_day = rng.integers(0, days_in_year - 15, n_m)
    m_sub = home[m_person].copy()
    m_moo = moo[m_person].copy()
    # hotspots: 3 % of sub-districts draw many more complaints of one category
    hot = rng.choice(len(subs), max(1, len(subs) * 3 // 100), replace=False)
    hot_cat = cats[rng.choice(len(cats), len(hot), p=w / w.sum())]
    to_hot = np.flatnonzero(rng.random(n_m) < 0.06)
    pick = rng.integers(0, len(hot), len(to_hot))
    m_sub[to_hot], m_cat[to_hot] = hot[pick], hot_cat[pick]
    # recurring problem: a later matter of the same person repeats an earlier one's
    # category and place, 60–200 days later (a new matter, not a duplicate)
    rep = np.flatnonzero((rng.random(n_m) < 0.35) & (np.r_[False, m_person[1:] == m_person[:-1]]))
    m_cat[rep], m_sub[rep], m_moo[rep] = m_cat[rep - 1], m_sub[rep - 1], m_moo[rep - 1]
    m_day[rep] = np.minimum(m_day[rep - 1] + rng.integers(60, 200, len(rep)), days_in_year - 15)
    # a different matter of the same category in the same village, 1–5 weeks later
    again = np.flatnonzero((rng.random(n_m) < 0.12) & (np.r_[False, m_person[1:] == m_person[:-1]]))
    m_cat[again], m_sub[again], m_moo[again] = m_cat[again - 1], m_sub[again - 1], m_moo[again - 1]
    m_day[again] = np.minimum(m_day[again - 1] + rng.integers(7, 36, len(again)),
                              days_in_year - 15)
    m_detail = rng.integers(0, 6, n_m)
    m_n = rng.integers(1, 40, n_m)
    m_obj = rng.integers(0, 4, n_m)
    m_prob = rng.integers(0, 4, n_m)
    m_land = rng.integers(0, len(LANDMARK_KINDS), n_m)
    # neighbours: another person of the same village reports the same kind of problem on
    # the same day (a look-alike that is a different complaint)
    nb = np.flatnonzero(rng.random(n_m) < 0.06)
    nb_person = rng.integers(0, n_people, len(nb))
    home[nb_person], moo[nb_person] = m_sub[nb], m_moo[nb]
    m_person = np.r_[m_person, nb_person]
    m_cat, m_day, m_sub, m_moo, m_obj = (np.r_[m_cat, m_cat[nb]], np.r_[m_day, m_day[nb]],
                                         np.r_[m_sub, m_sub[nb]], np.r_[m_moo, m_moo[nb]],
                                         np.r_[m_obj, m_obj[nb]])
    m_land = np.r_[m_land, rng.integers(0, len(LANDMARK_KINDS), len(nb))]
    m_prob = np.r_[m_prob, rng.integers(0, 4, len(nb))]
    m_detail = np.r_[m_detail, rng.integers(0, 6, len(nb))]
    m_n = np.r_[m_n, rng.integers(1, 40, len(nb))]
    n_m = len(m_person)

    # copies: each matter reaches 1–5 agencies that take its category --------------------
    k = rng.choice([1, 2, 3, 4, 5], n_m, p=[0.40, 0.28, 0.17, 0.10, 0.05])
    takes = {c: [a for a, f in reg.feeds.items() if c in f.categories.values()] for c in cats}
    rows_m, rows_a = [], []
    for c in cats:
        idx = np.flatnonzero(m_cat == c)
        agencies = np.array(takes[c], dtype=object)
        kk = np.minimum(k[idx], len(agencies))
        order = np.argsort(rng.random((len(idx), len(agencies))), axis=1)
        for j in range(int(kk.max(initial=0))):
            sel = kk > j
            rows_m.append(idx[sel])
            rows_a.append(agencies[order[sel, j]])
    r_m = np.concatenate(rows_m)
    r_a = np.concatenate(rows_a)
    order = np.argsort(r_m, kind="stable")
    r_m, r_a = r_m[order], r_a[order]
    if len(r_m) > n_records:
        r_m, r_a = r_m[:n_records], r_a[:n_records]
    n = len(r_m)
    first_copy = np.r_[True, r_m[1:] != r_m[:-1]]
    offset = np.where(first_copy, 0, np.minimum(rng.geometric(0.3, n) - 1, 10))
    day = m_day[r_m] + offset
    received = (pd.Timestamp(fy_start) + pd.to_timedelta(day, unit="D")
                + pd.to_timedelta(rng.integers(7 * 60, 19 * 60, n), unit="min"))
    p = m_person[r_m]

    # identity as written on each copy
    anon = rng.random(n) < 0.05
    title = np.where(~female[p], "นาย", np.where(married[p], "นาง", "นางสาว")).astype(object)
    swap = rng.random(n)
    title[(title == "นางสาว") & (swap < 0.5)] = "น.ส."
    title[female[p] & (swap > 0.93)] = np.where(married[p], "นางสาว", "นาง")[female[p] & (swap > 0.93)]
    fn = _typo(rng, first[p], 0.08)
    ln = _typo(rng, last[p], 0.08)
    has_id = (rng.random(n) < 0.65) & ~anon
    ids = np.where(has_id, nid[p], None).astype(object)
    bad_id = np.flatnonzero(has_id & (rng.random(n) < 0.03))
    ids[bad_id] = [s[:5] + str((int(s[5]) + 1) % 10) + s[6:] for s in ids[bad_id]]
    ph = phone[p].copy()
    ph[(rng.random(n) < 0.12) | anon] = None
    style = rng.integers(0, 6, n)
    ph = np.array([None if x is None else
                   x if s == 0 else f"{x[:3]}-{x[3:6]}-{x[6:]}" if s == 1 else
                   f"{x[:3]} {x[3:6]} {x[6:]}" if s == 2 else f"+66 {x[1:3]} {x[3:6]} {x[6:]}"
                   if s == 3 else "66" + x[1:] if s == 4 else thai.arabic_to_thai_digits(x)
                   for x, s in zip(ph, style)], dtype=object)
    fn[anon], ln[anon], title[anon] = None, None, None
    sub_i = home[p]
    a_style = rng.integers(0, 3, n)
    moo_w = np.array(["ม.", "หมู่ ", "หมู่ที่ "], dtype=object)[a_style]
    tam_w = np.array(["ต.", "ตำบล", "ต. "], dtype=object)[rng.integers(0, 3, n)]
    amp_w = np.array(["อ.", "อำเภอ"], dtype=object)[rng.integers(0, 2, n)]
    addr = np.array([None if a else f"{'บ้านเลขที่ ' if s == 2 else ''}{h} {mw}{m} {tw}{sb} {aw}{d}"
                     for a, s, h, mw, m, tw, sb, aw, d in zip(
                         anon, a_style, house[p], moo_w, moo[p], tam_w, subs["sub"].to_numpy()[sub_i],
                         amp_w, subs["dist"].to_numpy()[sub_i])], dtype=object)

    # text: the matter's details and landmark, each copy's own words
    mc = m_cat[r_m]
    texts = []
    u = rng.random((n, 6))
    v = rng.random((n, 8))
    retold = ~first_copy & (v[:, 0] < P_RETELL)
    head = np.array(VILLAGE_HEAD, dtype=object)[(m_sub * 7 + m_moo * 3) % len(VILLAGE_HEAD)]
    tail = np.array(VILLAGE_TAIL, dtype=object)[(m_sub * 11 + m_moo * 5) % len(VILLAGE_TAIL)]
    village = "บ้าน" + head + tail
    for i in range(n):
        objs, probs, reqs, dets = TEXT[mc[i]]
        mi = r_m[i]
        obj = objs[(m_obj[mi] + (u[i, 0] < 0.4)) % len(objs)]
        # a retelling officer may describe another facet of the problem
        pk = m_prob[mi] + (int(v[i, 1] * 3) + 1 if retold[i] and v[i, 2] < 0.5 else 0)
        prob = probs[pk % len(probs)].replace("{n}", str(m_n[mi]))
        req = reqs[int(u[i, 2] * len(reqs))]
        det = dets[m_detail[mi] % len(dets)].replace("{n}", str(m_n[mi]))
        if retold[i] and v[i, 3] < 0.3:
            det = ""
        land = LANDMARK_KINDS[m_land[mi]] + village[mi]
        # how long it has lasted: the same in most copies, remembered differently in some
        d_ = 1 + m_n[mi] % 5 if u[i, 2] < 0.7 else 1 + int(u[i, 4] * 7919) % 6
        dur = DURATIONS[int(u[i, 3] * 4)].replace("{d}", str(d_))
        place = (f"หมู่ {m_moo[mi]}" if u[i, 4] < 0.5 else f"ม.{m_moo[mi]}")
        if retold[i]:
            form = int(v[i, 4] * 4)
            body = (f"{land} {place} {obj}{det} {prob} {req}" if form == 0 else
                    f"{obj}{prob} ที่{land} {det} {dur} {req}" if form == 1 else
                    f"{req} กรณี{obj}{det} {prob} บริเวณ{land} {place}" if form == 2 else
                    f"{dur} {obj}{det} {land} {prob} {req}")
            texts.append(retell(body, v[i, 5:8].tolist() + [u[i, 5]]))
            continue
        pre = PREFIXES[int(u[i, 5] * len(PREFIXES))]
        suf = SUFFIXES[int(u[i, 0] * 7919) % len(SUFFIXES)]
        body = (f"{obj}{det} {land} {place} {prob} {dur} {req}" if u[i, 3] < 0.6 else
                f"{req} เนื่องจาก{obj}{det} {land} {place} {prob} {dur}")
        texts.append(f"{pre}{body}{suf}".replace("  ", " ").strip())
    # some copies are filed under a related category their agency takes
    rel = np.array([RELATED.get(c, c) for c in mc], dtype=object)
    taken = {c: set(a) for c, a in takes.items()}
    swap_cat = retold & (v[:, 1] > 0.8) & np.array(
        [ag in taken.get(r_, ()) for r_, ag in zip(rel, r_a)], dtype=bool)
    mc = np.where(swap_cat, rel, mc)

    # tracking: first action, closure, reopen, transfers
    first_action = received.normalize() + pd.to_timedelta(
        np.minimum(rng.gamma(1.5, 2.5, n), 60).astype(int), unit="D")
    close_days = np.exp(rng.normal(np.log(8), 0.8, n)).astype(int)
    closed = first_action + pd.to_timedelta(close_days, unit="D")
    as_of = pd.Timestamp(fy_end)
    open_ = (rng.random(n) < 0.12) | (closed > as_of)
    acted = (rng.random(n) < 0.85) | ~open_
    status = np.where(~open_, "closed", np.where(acted, "in_progress", "received"))
    closed = closed.where(~open_)
    first_action = first_action.where(acted & (first_action <= as_of))
    reopened = np.where(rng.random(n) < 0.05, rng.integers(1, 3, n), 0)
    transfers = rng.choice([0, 1, 2, 3], n, p=[0.75, 0.17, 0.06, 0.02])

    rec_sub = subs["code"].to_numpy()[m_sub[r_m]]
    rec_prov = np.array([c[:2] for c in rec_sub], dtype=object)
    case_seq = pd.Series(r_a).groupby([r_a, rec_prov]).cumcount().to_numpy() + 1
    records = pd.DataFrame({
        "agency_id": r_a,
        "case_no": [f"{fiscal_year % 100}{pv}{s:06d}{id_tag}" for pv, s in zip(rec_prov, case_seq)],
        "received": received.astype("datetime64[us]"),
        "title": title, "first_name": fn, "last_name": ln,
        "national_id": ids, "phone": ph, "address": addr,
        "subdistrict_code": rec_sub,
        "category": mc, "text": texts, "status": status,
        "first_action": first_action.astype("datetime64[us]"),
        "closed": closed.astype("datetime64[us]"),
        "reopened": reopened, "transfers": transfers,
        "truth_person": p.astype(np.int64) + truth_offset,
        "truth_matter": r_m.astype(np.int64) + truth_offset,
    })
    _mess(records, np.random.default_rng([seed, 14]), messy)
    log.info("generated %d records, %d matters, %d people", n, len(np.unique(r_m)),
             len(np.unique(p)))
    return Generated(records, seed, fiscal_year)


def _mess(records: pd.DataFrame, rng: np.random.Generator, messy: bool) -> None:
    """Draw how each record is typed (:data:`MESSY`), from its own random stream."""
    n = len(records)
    share = MESSY if messy else dict.fromkeys(MESSY, 0.0)
    u = rng.random((n, 4))
    records["date_form"] = np.where(u[:, 0] < share["date_other_form"],
                                    rng.integers(1, 6, n), 0)
    records["label_form"] = np.where(u[:, 1] < share["label_other"], 1, np.where(
        u[:, 1] < share["label_other"] + share["label_unknown"], 2, 0))
    records["address_only"] = (u[:, 2] < share["address_only"]) & records["address"].notna()
    # a case number used again, for another complaint, by the same agency
    prev = records.groupby("agency_id").cumcount() > 0
    repeat = (u[:, 3] < share["case_repeat"]) & prev.to_numpy()
    earlier = records.groupby("agency_id")["case_no"].shift(1)
    records["case_repeat"] = repeat
    records.loc[repeat, "case_no"] = earlier[repeat]


# --- writing each agency's shape ------------------------------------------------------

def _fmt_dates(values: pd.Series, feed: Feed, with_time: bool) -> pd.Series:
    v = pd.to_datetime(values)
    year = v.dt.year + (543 if feed.dates.era == "be" else 0)
    ok = v.notna()
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    if feed.dates.order == "d_mon_y":
        mon = v.dt.month.map(lambda m: thai.THAI_MONTHS_ABBR[int(m) - 1] if m == m else "")
        s = v.dt.day.astype("Int64").astype("string") + " " + mon + " " + year.astype(
            "Int64").astype("string")
    elif feed.dates.order == "dmy":
        sep = feed.dates.sep
        s = (v.dt.day.astype("Int64").astype("string").str.zfill(2) + sep +
             v.dt.month.astype("Int64").astype("string").str.zfill(2) + sep +
             year.astype("Int64").astype("string"))
    else:
        s = (year.astype("Int64").astype("string") + "-" +
             v.dt.month.astype("Int64").astype("string").str.zfill(2) + "-" +
             v.dt.day.astype("Int64").astype("string").str.zfill(2))
    if with_time:
        sep = "T" if feed.dates.order == "ymd" else " "
        s = s + sep + v.dt.strftime("%H:%M")
    out[ok] = s[ok]
    return out


def _other_forms(values: pd.Series, form: pd.Series, feed: Feed, own: pd.Series) -> pd.Series:
    """Received dates of records whose ``date_form`` is not 0, written another way than
    the feed declares: 1 ``15 มีนาคม 2568``, 2 Thai digits of ``15/03/2568``, 3 ISO ค.ศ.
    ``2025-03-15``, 4 ``15/03/68`` (two-digit year of the feed's era), 5 ``15 มี.ค.68``;
    the time of day kept where the feed has one."""
    v = pd.to_datetime(values)
    be = v.dt.year + 543
    year2 = (be if feed.dates.era == "be" else v.dt.year) % 100
    day, month = v.dt.day.astype("Int64").astype("string"), v.dt.month
    full = month.map(lambda m: thai.THAI_MONTHS[int(m) - 1] if m == m else "")
    abbr = month.map(lambda m: thai.THAI_MONTHS_ABBR[int(m) - 1] if m == m else "")
    dd, mm = day.str.zfill(2), month.astype("Int64").astype("string").str.zfill(2)
    forms = {
        1: day + " " + full + " " + be.astype("Int64").astype("string"),
        2: (dd + "/" + mm + "/" + be.astype("Int64").astype("string")).map(
            lambda x: thai.arabic_to_thai_digits(x) if isinstance(x, str) else x),
        3: v.dt.strftime("%Y-%m-%d"),
        4: dd + "/" + mm + "/" + year2.astype("Int64").astype("string").str.zfill(2),
        5: day + " " + abbr + year2.astype("Int64").astype("string").str.zfill(2),
    }
    out = own.copy()
    time = " " + v.dt.strftime("%H:%M") if feed.dates.time else ""
    for k, s in forms.items():
        hit = (form == k).to_numpy() & v.notna().to_numpy()
        out[hit] = (s + time)[hit]
    return out


def to_feed_frame(records: pd.DataFrame, feed: Feed) -> pd.DataFrame:
    """One agency's records written in that agency's own shape (columns, vocabularies,
    date format), as strings — what its export file holds."""
    r = records
    inv_cat: dict[str, str] = {}
    for label, code in feed.categories.items():
        inv_cat.setdefault(code, label)
    inv_status: dict[str, str] = {}
    for word, code in feed.statuses.items():
        inv_status.setdefault(code, word)
    subs = _subdistricts(sorted({c[:2] for c in r["subdistrict_code"]}))
    by_code = subs.set_index("code")
    data: dict[str, pd.Series | np.ndarray] = {}
    for fld, header in feed.columns.items():
        if fld == "case_no":
            v = r["case_no"]
        elif fld == "received":
            v = _fmt_dates(r["received"], feed, feed.dates.time)
            if "date_form" in r:
                v = _other_forms(r["received"], r["date_form"], feed, v)
        elif fld in ("first_action", "closed"):
            v = _fmt_dates(r[fld], feed, False)
        elif fld == "name":
            v = (r["title"].fillna("") + r["first_name"].fillna("") + " " +
                 r["last_name"].fillna("")).str.strip().replace("", pd.NA)
        elif fld == "subdistrict_code" and "address_only" in r and "address" in feed.columns:
            v = r[fld].where(~r["address_only"], None)
        elif fld in ("title", "first_name", "last_name", "national_id", "phone", "address",
                     "subdistrict_code", "text", "reopened", "transfers"):
            v = r[fld]
        elif fld in ("subdistrict", "district", "province"):
            col = {"subdistrict": "sub", "district": "dist", "province": "prov"}[fld]
            v = by_code[col].reindex(r["subdistrict_code"]).to_numpy()
            if "address_only" in r and "address" in feed.columns:
                v = np.where(r["address_only"].to_numpy(), None, v)
        elif fld == "category":
            v = r["category"].map(inv_cat)
            if "label_form" in r:
                form = r["label_form"].to_numpy()
                v = np.where(form == 0, v.to_numpy(object),
                             np.array(UNKNOWN_LABELS, dtype=object)[np.maximum(form - 1, 0)])
        elif fld == "status":
            v = r["status"].map(inv_status)
        else:  # pragma: no cover - feeds.yml is validated against FIELDS
            raise KeyError(fld)
        data[header] = np.asarray(v, dtype=object)
    return pd.DataFrame(data).astype("string")




def write_feeds(gen: Generated, out_dir: str | Path, reg: Registry | None = None) -> list[Path]:
    """Write each agency's records as its own export file (CSV in its encoding or XLSX).

    Returns:
        The files written, one per agency that has records.
    """
    reg = reg or registry()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for agency_id, part in gen.records.groupby("agency_id", sort=True):
        feed = reg[agency_id]
        frame = to_feed_frame(part, feed)
        path = out_dir / feed_file_name(agency_id, feed, gen.fiscal_year)
        if feed.format == "xlsx":
            frame.to_excel(path, sheet_name=feed.sheet or "Sheet1", index=False)
        else:
            frame.to_csv(path, index=False, encoding=feed.encoding)
        paths.append(path)
    return paths


