"""Cookbooks for the reader's province (issue 12, item 5): every cookbook names its own
province and code and never another's, commands appear only in the analyst's box, KPI
sentences say among how many provinces, report files are linked relatively, and a Thai
cookbook is in Thai."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from oneplan.core import areas
from oneplan.reports import cookbook, cookbook_content

PROVINCES = ("40", "45", "32")  # the sample database's
COMMAND = re.compile(r"\boneplan\s+(build-sample|provinces|params|plan|portal|import|"
                     r"templates|needs|complaints|select|report)\b")


def page(cb: cookbook.Cookbook) -> str:
    """The whole cookbook as the notebook shows it."""
    body = (cookbook.front_html(cb) + cookbook.header_html(cb)
            + "".join(cookbook.section_html(cb, s) for s in cookbook.sections(cb)))
    return f'<html lang="{cb.lang}"><body>{body}</body></html>'


class _Texts(HTMLParser):
    """Text nodes, each with whether it is inside the analyst's box and in a
    ``.cb-local`` block (what a planner does in the reader's province)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.texts: list[tuple[str, bool, bool]] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag not in ("br", "img", "meta", "input"):
            self.stack.append((tag, a.get("class") or ""))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        analyst = any(t == "aside" and "analyst-note" in c for t, c in self.stack)
        local = any("cb-local" in c for _, c in self.stack)
        self.texts.append((data, analyst, local))


def parsed(html: str) -> _Texts:
    p = _Texts()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def books(sample_db, tmp_path_factory):
    """Every practice's cookbook for each sample province, in Thai and English."""
    out = tmp_path_factory.mktemp("cookbooks") / "2570"
    return {(practice, code, lang): cookbook.build(practice, code, 2570, lang, sample_db,
                                                   out / code)
            for practice in cookbook_content.PRACTICES for code in PROVINCES
            for lang in ("th", "en")}


@pytest.mark.parametrize("code", PROVINCES)
@pytest.mark.parametrize("practice", cookbook_content.PRACTICES)
def test_each_cookbook_names_its_own_province_and_code_only(books, practice, code):
    cb = books[(practice, code, "th")]
    own = areas.province(code)
    others = [areas.province(c) for c in PROVINCES if c != code]
    p = parsed(page(cb))
    commands = " ".join(t for t, analyst, _ in p.texts if analyst)
    codes = re.findall(r"--province\s+(\S+)", commands)
    assert codes and set(codes) == {code}           # the reader's code, every time
    assert f"provinces/{code}/" in commands or practice == "damrongdhama"
    local = " ".join(t for t, _, loc in p.texts if loc)
    # every step says what a planner does in the reader's province, by name
    assert local.count(f"ที่จังหวัด{own.name_th}:") == len(cb.content.steps)
    for other in others:
        assert f"จังหวัด{other.name_th}" not in local
        assert f"--province {other.code}" not in commands
    assert cookbook.title(cb).endswith(f"จังหวัด{own.name_th}")
    en = parsed(page(books[(practice, code, "en")]))
    en_local = " ".join(t for t, _, loc in en.texts if loc)
    assert en_local.count(f"In {own.name_en}:") == len(cb.content.steps)


@pytest.mark.parametrize("practice", cookbook_content.PRACTICES)
def test_commands_only_inside_the_analysts_box(books, practice):
    for code in PROVINCES:
        for lang in ("th", "en"):
            p = parsed(page(books[(practice, code, lang)]))
            outside = [t for t, analyst, _ in p.texts if not analyst and COMMAND.search(t)]
            assert not outside, outside
            inside = [t for t, analyst, _ in p.texts if analyst and COMMAND.search(t)]
            assert inside                             # the box is there and has them


def test_national_cookbook_has_no_province_code(sample_db, tmp_path):
    cb = cookbook.build("water", "", 2570, "th", sample_db, tmp_path / "2570" / "national")
    p = parsed(page(cb))
    commands = " ".join(t for t, analyst, _ in p.texts if analyst)
    assert set(re.findall(r"--province\s+(\S+)", commands)) == {"<รหัสจังหวัด>"}
    local = " ".join(t for t, _, loc in p.texts if loc)
    assert local.count("ที่แต่ละจังหวัด:") == len(cb.content.steps)
    assert "../../index.html" in p.hrefs                  # each province's reports


@pytest.mark.parametrize("practice", cookbook_content.PRACTICES)
def test_kpi_sentences_carry_n(books, sample_db, tmp_path, practice):
    national = cookbook.build(practice, "", 2570, "th", sample_db, tmp_path / "2570" / "x")
    for cb in (books[(practice, "40", "th")], national):
        for i, k in enumerate(cb.content.kpis):
            sentence = cookbook.kpi_sentence(cb, i)
            assert re.search(r"\d+ จังหวัด", sentence), sentence
            st = cookbook.standing(cb, i)
            if not k.is_rate:  # a total is never ranked, better or worse
                assert st.rank is None and st.verdict is None
                assert "ดีกว่า" not in sentence and "ด้อยกว่า" not in sentence
            if 0 < st.stats.n < st.stats.total:
                assert f"จากทั้งหมด {st.stats.total} จังหวัด" in sentence
        for headline, _number in cookbook.findings(cb):
            assert re.search(r"\d+ จังหวัด", headline), headline


def test_better_or_worse_against_the_median_of_rates(sample_db, tmp_path):
    """Khon Kaen's total backlog is never 'better' than a national total: the backlog KPI
    is a share of its matters, compared with the median of the provinces."""
    cb = cookbook.build("damrongdhama", "40", 2570, "th", sample_db, tmp_path / "2570" / "40")
    i = next(i for i, k in enumerate(cb.content.kpis) if k.num == "backlog_over_30d")
    assert cb.content.kpis[i].is_rate and cb.content.kpis[i].den == "clusters"
    st = cookbook.standing(cb, i)
    values = cb.comparison[f"kpi{i}"].dropna()
    assert st.stats.n == len(values) == 3 and st.stats.median == pytest.approx(values.median())
    mine = float(values[cb.comparison.loc[values.index, "code"] == "40"].iloc[0])
    expected = ("same" if mine == pytest.approx(st.stats.median) else
                "better" if mine < st.stats.median else "worse")        # lower is better
    assert st.verdict == expected
    assert st.rank == int((values < mine).sum()) + 1


def test_report_files_linked_relatively_when_they_exist(sample_db, tmp_path):
    folder = tmp_path / "2570" / "40"
    folder.mkdir(parents=True)
    (folder / "needs_plan.html").write_text("x", encoding="utf-8")
    cb = cookbook.build("surin", "40", 2570, "th", sample_db, folder)
    html = cookbook.section_html(cb, "recipe")
    p = parsed(html)
    assert "needs_plan.html" in p.hrefs and all("/" not in h for h in p.hrefs)
    assert "followup.html" not in p.hrefs                  # not there: not linked …
    assert "รายงานติดตามผล <span class=\"nodata\">(ยังไม่ได้จัดทำ)" in html
    assert "followup.html" not in html                    # … nor named


def test_changes_since_the_last_version(sample_db, tmp_path):
    folder = tmp_path / "2570" / "40"
    cb = cookbook.build("water", "40", 2570, "th", sample_db, folder)
    assert "ฉบับแรก" in cookbook.front_html(cb)
    cookbook.write_summary(cb, folder)
    again = cookbook.build("water", "40", 2570, "th", sample_db, folder)
    assert "ตัวชี้วัดทุกตัวเท่าเดิมจากฉบับก่อน" in cookbook.front_html(again)
    old = json.loads((folder / "cookbook_water.summary.json").read_text(encoding="utf-8"))
    old["kpis"][0]["value"] = 0.125
    (folder / "cookbook_water.summary.json").write_text(json.dumps(old), encoding="utf-8")
    changed = cookbook.build("water", "40", 2570, "th", sample_db, folder)
    now = cookbook.format_value(cookbook.standing(changed, 0).value, "share")
    assert f"ร้อยละโครงการที่พร้อม: 12.5 % → {now}" in cookbook.front_html(changed)


def test_cover_and_summary_first(books):
    cb = books[("water", "40", "th")]
    html = page(cb)
    cover, summary, detail = (html.index('class="oneplan-cover"'),
                              html.index('class="oneplan-summary"'), html.index("water-title"))
    assert cover < summary < detail
    assert "ปีงบประมาณ พ.ศ. 2570" in html and "…………" in html
    assert 3 <= len(cookbook.findings(cb)) <= 5


@pytest.mark.parametrize("practice", cookbook_content.PRACTICES)
def test_thai_cookbook_is_in_thai(books, sample_db, tmp_path, practice):
    language = pytest.importorskip("oneplan.reports.language")  # the docs helper's check
    national = cookbook.build(practice, "", 2570, "th", sample_db, tmp_path / "2570" / "n")
    folder = tmp_path / "2570" / "40"
    for cb in (books[(practice, code, "th")] for code in PROVINCES):
        assert language.english_leaks(page(cb), "th") == []
    assert language.english_leaks(page(national), "th") == []
    assert folder  # (the province books' report files are absent here: named, not linked)
