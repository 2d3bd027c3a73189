"""Best-practice cookbooks: content, figure providers, rendering, notebook, PDF."""

from __future__ import annotations

import json
import re
import shlex
import types
from html.parser import HTMLParser

import pytest

from oneplan import cli
from oneplan.reports import cookbook, cookbook_content, cookbook_figures
from oneplan.data import db
from oneplan.core import paths
from oneplan.core.files import write_atomic
from oneplan.core.pdf import pdf_text



class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


@pytest.mark.parametrize("practice", cookbook_content.PRACTICES)
def test_content_is_complete_in_both_languages(practice):
    c = cookbook_content.load_content(practice)
    assert c.practice == practice
    assert len(c.steps) >= 4 and len(c.kpis) >= 3
    assert c.success_factors and c.pitfalls and c.ingredients.data and c.ingredients.people
    texts = [c.name, c.award, c.owner, c.source, c.problem, *c.success_factors, *c.pitfalls,
             *c.ingredients.data, *c.ingredients.people, *c.ingredients.tools,
             *(s.title for s in c.steps), *(s.text for s in c.steps), *(k.label for k in c.kpis)]
    thai = re.compile("[\u0e00-\u0e7f]")
    for t in texts:
        assert thai.search(t.th), t.th       # Thai text in Thai
        assert re.search("[A-Za-z]", t.en), t.en
    assert c.kpis[0].is_rate                 # the comparison ranks on the first KPI
    for s in c.steps:                        # every step names the reader's province
        assert "{province}" in s.local.th and "{province}" in s.local.en
    # every step that shows figures shows ones with a provider
    for s in c.steps:
        assert all(f in cookbook_figures.FIGURE_PROVIDER for f in s.figures)


def test_award_owners_follow_the_reference():
    # the news release: Surin, Roi Et, Khon Kaen provincial offices; the Damrongdhama linkage
    # won first prize for the ministry's Office of Inspection and Public Complaints (central)
    assert cookbook_content.load_content("surin").home_province == "32"
    assert cookbook_content.load_content("plan101pro").home_province == "45"
    assert cookbook_content.load_content("water").home_province == "40"
    d = cookbook_content.load_content("damrongdhama")
    assert d.home_province is None and "สำนักตรวจราชการและเรื่องราวร้องทุกข์" in d.owner.th
    assert "15" in d.source.th and "ชนะเลิศ" in d.award.th


def _subcommands() -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(sub.choices)


def test_commands_notebooks_and_templates_are_real():
    """Every analyst command parses with the real parser once the reader's code is put in;
    no content file writes a province's code out; templates and notebooks exist."""
    from oneplan.data.templates import KINDS

    known = _subcommands()
    for practice in cookbook_content.PRACTICES:
        raw = (paths.ROOT / "lib/oneplan/reports/cookbooks" / f"{practice}.yml").read_text(
            encoding="utf-8")
        assert not re.search(r"--province[ =]+\d", raw), practice   # award-province codes
        assert "build-sample" not in raw and "--help" not in raw      # developer commands
        for step in cookbook_content.load_content(practice).steps:
            for line in step.analyst:
                words = shlex.split(line.format(code="40"))
                assert words[0] == "oneplan" and words[1] in known, line
                cli.build_parser().parse_args(words[1:])
            if step.notebook:
                assert (paths.NOTEBOOKS_DIR / step.notebook).is_file(), step.notebook
            if step.template:
                assert step.template in KINDS


def test_content_rejects_written_out_codes_and_ranked_totals():
    step = dict(title={"th": "ก", "en": "a"}, text={"th": "ก", "en": "a"},
                local={"th": "ที่{province}", "en": "in {province}"})
    with pytest.raises(Exception, match="--province"):
        cookbook_content.Step(**step, analyst=["oneplan select --province 45"])
    with pytest.raises(Exception, match="province"):
        cookbook_content.Step(**{**step, "local": {"th": "ที่ขอนแก่น", "en": "in {province}"}})
    with pytest.raises(Exception, match="unknown report"):
        cookbook_content.Step(**step, reports=["nope"])
    assert cookbook_content.Step(**step, analyst=["oneplan select --province {code}"])
    with pytest.raises(Exception, match="never better or worse"):
        cookbook_content.Kpi(label={"th": "ก", "en": "a"}, figure="backlog_over_30d",
                             better="lower")
    total = cookbook_content.Kpi(label={"th": "ก", "en": "a"}, figure="plan_revisions")
    assert total.direction is None and not total.is_rate


def test_bad_content_is_named(monkeypatch):
    with pytest.raises(cookbook_content.CookbookError, match="unknown practice"):
        cookbook_content.load_content("nope")
    with pytest.raises(Exception, match="unknown figure key"):
        cookbook_content.Step(title={"th": "ก", "en": "a"}, text={"th": "ก", "en": "a"},
                              local={"th": "ที่{province}", "en": "in {province}"},
                              figures=["not_a_figure"])
    with pytest.raises(Exception, match="either `figure` or `num`"):
        cookbook_content.Kpi(label={"th": "ก", "en": "a"})


def _fake_needs(values: dict | None = None, fail: bool = False):
    mod = types.ModuleType("oneplan.plan.needs")
    calls = []

    def cookbook_figures(con, province_code, fiscal_year):
        calls.append((province_code, fiscal_year))
        if fail:
            raise RuntimeError("boom")
        base = values or {}
        # national figures twice the province's, so "where it stands" can be checked
        return {k: (v * 2 if province_code is None and k != "median_days_to_plan" else v)
                for k, v in base.items()}

    mod.cookbook_figures = cookbook_figures
    mod.calls = calls
    return mod


NEEDS = {"villages": 2000, "villages_with_needs": 1500, "needs": 4000, "needs_classified": 3000,
         "needs_fit_strategy": 2500, "needs_in_plan": 1200, "needs_allocated": 600,
         "needs_completed": 300, "median_days_to_plan": 45.0}


def test_province_numbers_beside_each_step(monkeypatch, sample_db, tmp_path):
    fake = _fake_needs(NEEDS)
    monkeypatch.setitem(cookbook_figures.PROVIDERS, "needs", (fake.cookbook_figures, cookbook_figures.PROVIDERS["needs"][1]))
    cb = cookbook.build("surin", "32", 2570, "th", sample_db, tmp_path / "2570" / "32")
    assert ("32", 2570) in fake.calls and (None, 2570) in fake.calls
    recipe = cookbook.section_html(cb, "recipe")
    assert "2,000" in recipe and "1,500" in recipe and "45 วัน" in recipe
    assert "ยังไม่มีข้อมูล" not in recipe
    kpis = cookbook.kpi_table(cb)
    row = kpis.iloc[0]
    among = "3 จังหวัดที่มีข้อมูล จากทั้งหมด 76 จังหวัด"   # the database holds 3 of the 76
    assert row["จังหวัดสุรินทร์"] == "75.0 %"        # 1500 / 2000
    assert row["ค่ามัธยฐาน"] == f"75.0 % ({among})"
    assert row["เทียบกับค่ามัธยฐาน"] == "เท่ากับค่ามัธยฐาน"
    # every province in the database reports the same fake figures: all tie at rank 1
    assert row["อันดับ"] == f"อันดับ 1 จาก {among} (เท่ากัน 3 จังหวัด)"
    days = kpis.iloc[-1]                        # median days, lower is better, equal here
    assert days["จังหวัดสุรินทร์"] == "45 วัน"
    sentence = cookbook.kpi_sentence(cb, 0)
    assert sentence.startswith("ร้อยละหมู่บ้านที่ส่งความต้องการ: จังหวัดสุรินทร์ 75.0 %")
    assert f"ค่ามัธยฐาน {among} คือ 75.0 %" in sentence
    s = cookbook.summary(cb)
    assert s["kpis"][0]["rank"] == 1 and s["kpis"][0]["provinces_with_value"] == 3
    assert s["kpis"][0]["provinces_compared"] == 76 and s["kpis"][0]["tied_with"] == 3
    assert s["figures"]["needs"] == 4000 and s["national_figures"]["needs"] == 8000
    assert s["kpis"][0]["value"] == pytest.approx(0.75)
    assert s["missing_providers"] == {}


@pytest.mark.parametrize("how", ["fails", "not a dict"])
def test_failing_provider_says_no_data_yet(monkeypatch, sample_db, how):
    keys = cookbook_figures.PROVIDERS["needs"][1]
    if how == "fails":
        fake = _fake_needs(fail=True).cookbook_figures
    else:
        def fake(con, code, fy):
            return [1, 2, 3]
    fake.__module__ = "oneplan.plan.needs"
    monkeypatch.setitem(cookbook_figures.PROVIDERS, "needs", (fake, keys))
    cb = cookbook.build("surin", "32", 2570, "en", sample_db)
    assert cb.figures.values == {}
    assert "oneplan.plan.needs" in cb.figures.missing["needs"]
    page = "".join(cookbook.section_html(cb, s) for s in cookbook.sections(cb))
    assert "no data yet (module oneplan.plan.needs" in page
    assert cookbook.summary(cb)["missing_providers"]["needs"]


def test_water_figures_from_database_and_summary(sample_db, tmp_path):
    fy_dir = tmp_path / "2570"
    (fy_dir / "40").mkdir(parents=True)
    (fy_dir / "40" / "summary.json").write_text(json.dumps(
        {"n_selected": 12, "selected_baht": 3.5e8, "households_served": 4321,
         "solver_status": "time_limit"}), encoding="utf-8")
    con = db.connect(sample_db)
    try:
        f = cookbook_figures.water_figures(con, "40", 2570, fy_dir=fy_dir)
        n, ready, req = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE ready), sum(cost_baht) FROM water_projects "
            "WHERE province_code = '40' AND fiscal_year = 2570").fetchone()
        nat = cookbook_figures.water_figures(con, None, 2570, fy_dir=fy_dir)
        total = con.execute("SELECT count(*) FROM water_projects WHERE fiscal_year = 2570"
                            ).fetchone()[0]
        none = cookbook_figures.water_figures(con, "45", 2570, fy_dir=fy_dir)
    finally:
        con.close()
    assert (f["water_candidates"], f["water_candidates_ready"]) == (n, ready)
    assert f["water_requested_baht"] == pytest.approx(req)
    assert f["water_selected"] == 12 and f["water_solver_status"] == "time_limit"
    assert nat["water_candidates"] == total and nat["water_solver_status"] == {"time_limit": 1}
    assert nat["water_reports"] == 1 and f["water_reports"] == 1
    assert "water_selected" not in none  # no report for Roi Et here: absent, not zero


def test_province_cookbook_says_where_it_ranks(sample_db, tmp_path):
    fy_dir = tmp_path / "2570"
    for code, sel in (("40", 3e8), ("45", 1e8), ("32", 2e8)):
        (fy_dir / code).mkdir(parents=True)
        (fy_dir / code / "summary.json").write_text(json.dumps(
            {"n_selected": 5, "selected_baht": sel, "households_served": 100,
             "solver_status": "optimal"}), encoding="utf-8")
    cb = cookbook.build("water", "45", 2570, "en", sample_db, fy_dir / "45")
    share = {r["code"]: r["kpi1"] for _, r in cb.comparison.iterrows()}  # selected / requested
    expected = sorted(share, key=share.get, reverse=True).index("45") + 1
    assert cookbook.province_rank(cb, 1) == (expected, 3)
    table = cookbook.kpi_table(cb)
    assert table.iloc[1]["Rank"] == f"rank {expected} of the 3 provinces with the figure, of 76"
    assert table.iloc[-1]["Rank"] == "–"          # plan revisions: a total, never ranked
    assert table.iloc[-1]["Against the median"] == "–"
    assert table.iloc[-1]["Direction"] == "total (not ranked)"
    assert "(a total, not ranked)" in cookbook.kpi_sentence(cb, 3)
    assert "compare" not in cookbook.sections(cb)


def test_national_cookbook_compares_provinces(sample_db, tmp_path):
    fy_dir = tmp_path / "2570"
    for code, sel in (("40", 3e8), ("45", 1e8)):
        (fy_dir / code).mkdir(parents=True)
        (fy_dir / code / "summary.json").write_text(json.dumps(
            {"n_selected": 5, "selected_baht": sel, "households_served": 100,
             "solver_status": "optimal"}), encoding="utf-8")
    cb = cookbook.build("water", "", 2570, "en", sample_db, fy_dir / "national")
    assert cb.province is None and "compare" in cookbook.sections(cb)
    comp = cb.comparison
    assert len(comp) == 76                                  # every planning province
    assert sorted(comp.dropna(subset=["kpi0"])["code"]) == ["32", "40", "45"]
    ranked = comp.dropna(subset=["kpi0"])
    assert ranked["kpi0"].is_monotonic_decreasing          # higher is better: best first
    assert comp.loc[comp["code"] == "32", "kpi1"].isna().all()  # no water report for Surin
    con = db.connect(sample_db)
    req = dict(con.execute("SELECT province_code, sum(cost_baht) FROM water_projects "
                           "WHERE fiscal_year = 2570 GROUP BY 1").fetchall())
    con.close()
    shares = [3e8 / req["40"], 1e8 / req["45"]]
    stats = cookbook_figures.kpi_stats(comp, 1)             # median of the 2 with a figure
    assert (stats.n, stats.total) == (2, 76)
    assert stats.median == pytest.approx(sum(shares) / 2)
    median = cookbook.kpi_table(cb).iloc[1]["Median"]
    assert median == f"{sum(shares) / 2 * 100:,.1f} % (the 2 provinces with the figure, of 76)"
    assert "(sum of the 2 provinces with a water report, of 76)" in \
        cookbook.section_html(cb, "recipe")
    table = cookbook.comparison_table(cb)
    assert "Khon Kaen" in table["Province"].tolist()
    html = cookbook.section_html(cb, "compare")
    assert "Khon Kaen" in html and "Roi Et" in html
    assert cookbook.comparison_map(cb) is not None
    assert "Provinces compared" in cookbook.header_html(cb)


def test_toc_links_resolve_after_export(sample_db, tmp_path):
    """Run the real notebook with papermill, export it like the batch does, and check that
    every table-of-contents link points at a heading id in the page and no code is shown."""
    import nbformat
    import papermill as pm

    from oneplan.batch import export

    out = tmp_path / "2570" / "40"
    nb_out = tmp_path / "cookbook.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "cookbook.ipynb"), str(nb_out),
                        kernel_name="python3", progress_bar=False, cwd=str(paths.NOTEBOOKS_DIR),
                        parameters=dict(practice="water", province_code="40", fiscal_year=2570,
                                        lang="th", db_path=str(sample_db), output_dir=str(out)))
    s = json.loads((out / "cookbook_water.summary.json").read_text(encoding="utf-8"))
    assert s["synthetic"] is True and s["province_code"] == "40" and s["lang"] == "th"
    assert s["figures"]["water_candidates"] > 0
    page = export.notebook_to_html(nbformat.read(nb_out, as_version=4),
                                   title=cookbook.title_for("water", "40", "th"), lang="th")
    parser = _Ids()
    parser.feed(page)
    toc = [h for h in parser.hrefs if h.startswith("#")]
    assert len(toc) == len(cookbook.SECTIONS) - 1   # a province cookbook has no comparison
    for href in toc:
        assert href[1:] in parser.ids, href
    assert "ขอนแก่น" in page and "oneplan select --province 40" in page
    assert "บทสรุปสำหรับผู้บริหาร" in page and 'class="oneplan-cover"' in page
    assert "cookbook.build" not in page and "Traceback" not in page
    html_path = out / "cookbook_water.html"
    write_atomic(html_path, page)
    pdf_path = export.html_to_pdf(html_path, out / "cookbook_water.pdf")
    text = pdf_text(pdf_path)
    for word in ("น้ำ", "ขอนแก่น", "ปัจจัยความสำเร็จ", "ข้อควรระวัง", "ตัวชี้วัด"):
        assert word in text, word
    for broken in ("อาเภอ", "จานวน", "สานักงาน"):
        assert broken not in text
    pages = text.split("\f")
    assert len(pages) >= 2
    for i, p in enumerate(pages, start=1):  # "page / pages" in every footer
        assert re.search(rf"(^|\s){i}\s*/\s*{len(pages)}\s*$", p), p[-40:]


def test_comparison_is_computed_once_per_inputs(sample_db, tmp_path, monkeypatch):
    """Province cookbooks of one practice share one comparison while the water summaries
    stay the same; a cookbook's own summary does not count, a changed water summary does."""
    import json

    from oneplan.reports import cookbook_figures as cb_mod

    fy_dir = tmp_path / "2570"
    (fy_dir / "40").mkdir(parents=True)
    calls = []
    real = cb_mod._comparison
    monkeypatch.setattr(cb_mod, "_comparison",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    cb_mod._COMPARISONS.clear()
    out = fy_dir / "national"
    cookbook.build("surin", "40", 2570, db_path=sample_db, output_dir=out)
    (fy_dir / "40" / "cookbook_surin.summary.json").write_text("{}", encoding="utf-8")
    cookbook.build("surin", "32", 2570, db_path=sample_db, output_dir=out)
    assert len(calls) == 1
    (fy_dir / "40" / "summary.json").write_text(json.dumps({"n_selected": 1}),
                                                encoding="utf-8")
    cookbook.build("surin", "45", 2570, db_path=sample_db, output_dir=out)
    assert len(calls) == 2
