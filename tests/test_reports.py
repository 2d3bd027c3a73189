"""The report batch.

End to end (every report notebook, three provinces and the national reports, HTML + PDF):
one province's parameters are broken, the others finish, the failure is listed and the exit
code is non-zero; after the fix a re-run redoes only that province and the reports that read
every province's summaries; then the PDFs, portal links, manifest and personal data are
checked over everything written.

Engine (tiny notebooks, HTML only, a few seconds each): a clean namespace per notebook in a
reused kernel, time limit and kernel crash isolated, skipping and ``--force``, one notebook
registered several times with extra parameters, national reports after the provinces, last
good files kept after a failure.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from oneplan import cli
from oneplan.batch import registry, runner as reports
from oneplan.core import paths
from pii_scan import scan
from oneplan.core.pdf import pdf_text

PROVINCES = ["40", "45", "32"]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _manifest(out: Path) -> dict:
    return json.loads((out / "2570" / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------- end to end


def _keys(scope: str, codes=PROVINCES, after: bool | None = None) -> set[str]:
    """Manifest keys of every available report of ``scope`` (``after``: only the reports
    that run after the provinces, or only those that don't)."""
    specs = [s for s in registry.available_reports() if s.scope == scope
             and (after is None or s.after_provinces == after)]
    if scope == "national":
        return {f"national/{s.name}" for s in specs}
    return {f"{c}/{s.name}" for c in codes for s in specs}


@pytest.fixture(scope="module")
def national(tmp_path_factory, sample_db):
    """The whole set (every report notebook, three provinces, the national reports and
    the portal) with 45 broken, then fixed and re-run (CLI, two workers, HTML + PDF)."""
    tmp = tmp_path_factory.mktemp("batch")
    params = tmp / "params"
    shutil.copytree(paths.PARAMS_DIR, params)
    broken = params / "provinces" / "45.yml"
    good = broken.read_text(encoding="utf-8") if broken.exists() else None
    broken.write_text("plan:\n  must_include: {NO-SUCH-PROJECT: committed in 2569}\n",
                      encoding="utf-8")
    out = tmp / "reports"
    argv = ["report", *[a for c in PROVINCES for a in ("--province", c)], "--national",
            "--formats", "html,pdf", "--out", str(out), "--db", str(sample_db),
            "--workers", "2", "--no-progress"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONEPLAN_PARAMS", str(params))
        first_code = cli.main(argv)
        first = _manifest(out)
        mtimes = {f: f.stat().st_mtime_ns for f in out.rglob("*") if f.is_file()}
        if good is None:
            broken.unlink()
        else:
            broken.write_text(good, encoding="utf-8")
        second_code = cli.main(argv)
        second = _manifest(out)
    return dict(out=out, first_code=first_code, first=first, mtimes=mtimes,
                second_code=second_code, second=second)


def test_every_report_notebook_is_in_the_batch():
    names = {s.name for s in registry.available_reports()}
    assert {"water_portfolio", "needs_plan", "followup", "complaints", "cookbook_surin",
            "cookbook_plan101pro", "cookbook_water", "cookbook_damrongdhama",
            "national_overview"} <= names


def test_broken_province_fails_alone_and_is_listed(national, capsys):
    assert national["first_code"] == 3  # a report failed
    reports_ = national["first"]["reports"]
    # the broken key only stops 45's water report; 45's other reports still run
    for key in (_keys("province") | _keys("national")) - {"45/water_portfolio"}:
        assert reports_[key]["status"] == "ok", (key, reports_[key].get("error"))
    failed = {f["key"] for f in national["first"]["last_run"]["failed"]}
    assert failed == {"45/water_portfolio"}
    assert "NO-SUCH-PROJECT" in reports_["45/water_portfolio"]["error"]


def test_rerun_after_fix_redoes_only_what_the_fix_changed(national):
    out = national["out"]
    assert national["second_code"] == 0
    last = national["second"]["last_run"]
    # 45's reports are redone (its parameters changed); so are the reports that read every
    # province's summaries (cookbooks' ranks, national reports), since 45's summaries are
    # new; the other provinces' reports are untouched
    redone = (_keys("province", ["45"]) | _keys("province", ["40", "32"], after=True)
              | _keys("national"))
    untouched = _keys("province", ["40", "32"], after=False)
    assert (last["written"], last["skipped"], last["failed"]) == (len(redone), len(untouched), [])
    for key in untouched:
        for rel in national["second"]["reports"][key]["files"].values():
            f = out / rel
            assert national["mtimes"][f] == f.stat().st_mtime_ns, f
    assert not (out / "2570" / "45" / "water_portfolio.failed.ipynb").exists()
    assert not list(out.rglob("*.staging-*")) and not list(out.rglob(".*.tmp"))


def test_manifest_is_complete(national):
    out, m = national["out"], national["second"]
    assert {"python", "pandas", "numpy", "nbclient", "papermill", "duckdb"} <= set(m["packages"])
    assert m["browser"] and ("Chromium" in m["browser"] or "Chrome" in m["browser"])
    assert set(m["reports"]) == _keys("province") | _keys("national")
    for key, entry in m["reports"].items():
        assert entry["status"] == "ok" and entry["seconds"] > 0
        assert {"notebook", "library", "database", "params", "run", "packages"} \
            <= set(entry["fingerprints"]), key
        assert {"ipynb", "html", "pdf", "summary"} <= set(entry["files"]), key
        assert {"reset", "execute", "html", "pdf"} <= set(entry["timings"])
        for rel in entry["files"].values():
            assert (out / rel).is_file(), rel
    water = {k: e["fingerprints"]["params"] for k, e in m["reports"].items()
             if k.endswith("/water_portfolio")}
    assert len(set(water.values())) == 3  # one resolved parameter set per province


def test_executed_notebook_has_injected_parameters(national):
    nb = nbformat.read(national["out"] / "2570" / "32" / "water_portfolio.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'province_code = "32"' in injected[0].source
    assert "interactive = False" in injected[0].source
    assert nb.metadata.papermill["parameters"]["province_code"] == "32"


def test_html_is_thai_with_code_hidden(national):
    folder = national["out"] / "2570" / "40"
    page = (folder / "water_portfolio.html").read_text(encoding="utf-8")
    assert "ขอนแก่น" in page and 'lang="th"' in page
    assert "waterplan.run_portfolio" not in page        # code cells hidden
    assert "Running HiGHS" not in page                  # no solver banner in the report
    for f in folder.glob("*.html"):
        page = f.read_text(encoding="utf-8")
        assert "ข้อมูลตัวอย่างสังเคราะห์" in page, f    # synthetic label in every report
        assert "Traceback" not in page, f


@pytest.mark.parametrize("code,name", [("40", "ขอนแก่น"), ("45", "ร้อยเอ็ด"), ("32", "สุรินทร์")])
def test_pdfs_have_thai_text_layers_and_bookmarks(national, code, name):
    from pypdf import PdfReader

    pdf_path = national["out"] / "2570" / code / "water_portfolio.pdf"
    text = pdf_text(pdf_path)
    for word in ("น้ำ", "อำเภอ", name):
        assert word in text, word
    for broken in ("อาเภอ", "จานวน"):
        assert broken not in text, broken
    outline = PdfReader(str(pdf_path)).outline
    assert outline and any(name in str(item) for item in outline if isinstance(item, dict))
    pages = len(PdfReader(str(pdf_path)).pages)
    assert pages > 1 and re.search(rf"(?<!\d){pages}\s*/\s*{pages}(?!\d)", text)  # footer


@pytest.mark.parametrize("report", ["needs_plan", "followup", "complaints", "cookbook_surin",
                                    "cookbook_damrongdhama"])
def test_every_kind_of_pdf_has_a_thai_text_layer(national, report):
    text = pdf_text(national["out"] / "2570" / "32" / f"{report}.pdf")
    assert "สุรินทร์" in text and "อาเภอ" not in text and "จานวน" not in text


def test_portal_links_resolve(national):
    out = national["out"]
    page = (out / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    local = [h for h in parser.hrefs if not h.startswith(("#", "http"))]
    # every report of the three provinces and the national ones, HTML and PDF
    assert len(local) >= 2 * len(_keys("province") | _keys("national"))
    for href in local:
        assert (out / href).is_file(), href


def test_nothing_written_holds_personal_data(national):
    hits, scanned = scan(national["out"])
    assert not hits, hits[:5]
    assert scanned >= len(_keys("province") | _keys("national")) * 4


# ------------------------------------------------------------------------------ engine

LIGHT_PARAMETERS = '''
province_code = "40"
fiscal_year = 2570
lang = "th"
db_path = ""
output_dir = ""
report_name = "light"
practice = ""
behaviour = ""   # test hooks: leak, check-clean, sleep, crash, fail
'''

LIGHT_BODY = '''
import json, os, pathlib, time
import matplotlib as mpl
from IPython.display import Markdown, display
from oneplan.core import areas
from oneplan.data import db
from oneplan.data.params import load_params
from oneplan.core.paths import default_reports_dir

p = load_params(province_code or None)
con = db.connect(db_path or None)
for pid in p.plan.must_include:
    if not con.execute("SELECT count(*) FROM water_projects WHERE project_id = ?",
                       [pid]).fetchone()[0]:
        raise ValueError(f"must_include {pid} is not a project in the database")
n = con.execute("SELECT count(*) FROM water_projects WHERE province_code = ? OR ? = ''",
                [province_code, province_code]).fetchone()[0]
con.close()
if behaviour == "check-clean":
    assert "LEAK" not in globals(), "a name leaked from the previous notebook"
    assert mpl.rcParams["lines.linewidth"] != 7.5, "rcParams leaked"
    assert "ONEPLAN_LEAK" not in os.environ, "environment leaked"
    assert os.getcwd() != "/", "working folder leaked"
if behaviour == "leak":
    LEAK = 1
    mpl.rcParams["lines.linewidth"] = 7.5
    os.environ["ONEPLAN_LEAK"] = "1"
    os.chdir("/")
if behaviour == "sleep":
    time.sleep(120)
if behaviour == "crash":
    os.write(2, b"segfault-like crash in a C library\\n")  # the process's own stderr
    os._exit(1)
if behaviour == "fail":
    raise RuntimeError("deliberate failure")
where = areas.province(province_code).name_th if province_code else "ทั่วประเทศ"
display(Markdown(f"# รายงานทดสอบ {where}\\n\\nโครงการ {n} รายการ {practice}"))
'''

LIGHT_SUMMARY = '''
year_dir = default_reports_dir() / str(fiscal_year)
seen = sorted(f.parent.name for f in year_dir.glob("*/light_a.summary.json"))
out = pathlib.Path(output_dir or year_dir / province_code)
out.mkdir(parents=True, exist_ok=True)
(out / f"{report_name}.summary.json").write_text(json.dumps({
    "synthetic": True, "province_code": province_code, "fiscal_year": fiscal_year,
    "lang": lang, "practice": practice, "n_projects": n, "provinces_seen": seen,
    "pid": os.getpid(), "t": round(time.time(), 3)}), encoding="utf-8")
'''


def _light_notebook(path: Path) -> Path:
    nb = new_notebook(cells=[
        new_code_cell(LIGHT_PARAMETERS.strip(), metadata={"tags": ["parameters"]}),
        new_markdown_cell("ข้อมูลตัวอย่างสังเคราะห์"),
        new_code_cell(LIGHT_BODY.strip()),
        new_code_cell(LIGHT_SUMMARY.strip(), metadata={"tags": ["remove-cell"]}),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def _spec(name: str, notebook: Path, scope: str = "province", **extra) -> registry.ReportSpec:
    return registry.ReportSpec(name, str(notebook), scope, f"ทดสอบ {name} {{province_th}}",
                              f"Test {name} {{province_en}}",
                              extra={"report_name": name, **extra}, timeout_s=60)


@pytest.fixture
def light(tmp_path, monkeypatch):
    """A registry of light test reports; returns (notebook path, out folder)."""
    nb = _light_notebook(tmp_path / "light.ipynb")
    monkeypatch.setattr(registry, "REPORTS", [])
    return nb, tmp_path / "reports"


def _run(out, sample_db, codes=("40",), **kw):
    kw.setdefault("workers", 1)
    return reports.run_batch(list(codes), out_root=out, db_path=sample_db, formats=("html",),
                             progress=False, **kw)


def test_project_registry():
    # the water report today; the cookbook once per practice and scope, distinct names
    assert any(s.key == "province:water_portfolio" for s in registry.available_reports())
    cookbooks = [s for s in registry.REPORTS if s.notebook == "cookbook.ipynb"]
    assert len(cookbooks) == 8 and len({s.key for s in cookbooks}) == 8
    assert {dict(s.extra)["practice"] for s in cookbooks} == {
        "surin", "plan101pro", "water", "damrongdhama"}
    assert len({s.key for s in registry.REPORTS}) == len(registry.REPORTS)


def test_registry_rejects_bad_entries_and_unknown_names(light):
    with pytest.raises(ValueError, match="scope"):
        registry.ReportSpec("x", "x.ipynb", "district")
    with pytest.raises(ValueError, match="unknown report"):
        registry.available_reports(["no_such_report"])
    nb, _ = light
    registry.register(_spec("light", nb))
    registry.register(_spec("light", nb, practice="again"))  # same key: replaced
    assert [dict(s.extra).get("practice") for s in registry.REPORTS] == ["again"]


def test_one_kernel_many_notebooks_clean_namespace(light, sample_db):
    nb, out = light
    registry.register(_spec("leak", nb, behaviour="leak"))
    registry.register(_spec("check", nb, behaviour="check-clean"))
    registry.register(_spec("check_pdf", nb, behaviour="check-clean"))
    result = reports.run_batch(["40", "32"], out_root=out, db_path=sample_db, workers=1,
                               progress=False, formats=("html", "pdf"))
    assert not result.failures, [(o.key, o.error) for o in result.failures]
    pids = {json.loads((out / o.files["summary"]).read_text())["pid"] for o in result.outcomes}
    assert len(pids) == 1  # all six notebooks ran in the same kernel
    html = (out / "2570" / "32" / "check.html").read_text(encoding="utf-8")
    assert "รายงานทดสอบ สุรินทร์" in html and "<title>ทดสอบ check สุรินทร์</title>" in html
    assert "สุรินทร์" in pdf_text(out / "2570" / "32" / "check_pdf.pdf")


def test_timeout_and_kernel_crash_fail_alone(light, sample_db):
    nb, out = light
    slow = registry.ReportSpec("slow", str(nb), "province",
                              extra={"report_name": "slow", "behaviour": "sleep"}, timeout_s=3)
    registry.register(slow)
    registry.register(_spec("crash", nb, behaviour="crash"))
    registry.register(_spec("zfine", nb))
    result = _run(out, sample_db)
    by = {o.report: o for o in result.outcomes}
    assert by["slow"].status == "failed" and "time limit of 3 s" in by["slow"].error
    assert by["crash"].status == "failed" and "kernel died" in by["crash"].error
    assert "its last output: segfault-like crash" in by["crash"].error
    assert by["zfine"].status == "ok"
    assert by["slow"].seconds < 30


def test_skip_up_to_date_force_and_changed_inputs(light, sample_db):
    nb, out = light
    registry.register(_spec("light", nb))
    assert [o.status for o in _run(out, sample_db).outcomes] == ["ok"]
    html = out / "2570" / "40" / "light.html"
    before = html.stat().st_mtime_ns
    assert [o.status for o in _run(out, sample_db).outcomes] == ["skipped"]
    assert html.stat().st_mtime_ns == before
    assert [o.status for o in _run(out, sample_db, force=True).outcomes] == ["ok"]
    # an edited notebook, another language, a deleted output: each redoes the report
    nb.write_text(nb.read_text(encoding="utf-8").replace("รายงานทดสอบ", "รายงานทดลอง"),
                  encoding="utf-8")
    assert [o.status for o in _run(out, sample_db).outcomes] == ["ok"]
    assert [o.status for o in _run(out, sample_db, lang="en").outcomes] == ["ok"]
    assert [o.status for o in _run(out, sample_db, lang="en").outcomes] == ["skipped"]
    (out / "2570" / "40" / "light.summary.json").unlink()
    assert [o.status for o in _run(out, sample_db, lang="en").outcomes] == ["ok"]


def test_same_notebook_several_entries_and_national_after_provinces(light, sample_db):
    nb, out = light
    for practice in ("surin", "water"):
        registry.register(_spec(f"light_{practice}", nb, practice=practice))
        registry.register(_spec(f"light_{practice}", nb, "national", practice=practice))
    registry.register(_spec("light_a", nb))
    registry.register(_spec("overview", nb, "national"))
    result = _run(out, sample_db, codes=["40", "32"], national=True, workers=2)
    assert not result.failures, [(o.key, o.error) for o in result.failures]
    assert len(result.outcomes) == 2 * 3 + 3
    year = out / "2570"
    for practice in ("surin", "water"):
        s = json.loads((year / "32" / f"light_{practice}.summary.json").read_text())
        assert s["practice"] == practice and (year / "32" / f"light_{practice}.html").is_file()
        assert (year / "national" / f"light_{practice}.html").is_file()  # national folder
    overview = json.loads((year / "national" / "overview.summary.json").read_text())
    assert overview["provinces_seen"] == ["32", "40"] and overview["province_code"] == ""
    assert len({json.loads((year / c / "light_a.summary.json").read_text())["pid"]
                for c in ("40", "32")} | {overview["pid"]}) <= 2  # ≤ one kernel per worker
    # a province summary changing makes the national reports out of date, nothing else
    again = _run(out, sample_db, codes=["40", "32"], national=True, reports=["light_a"],
                 force=True)
    assert [o.status for o in again.outcomes] == ["ok", "ok"]
    again = _run(out, sample_db, codes=["40", "32"], national=True)
    status = {o.key: o.status for o in again.outcomes}
    assert status["national/overview"] == "ok" and status["national/light_surin"] == "ok"
    assert status["40/light_surin"] == "skipped" and status["32/light_a"] == "skipped"


def test_failed_rerun_keeps_last_good_files_and_the_traceback(light, sample_db, tmp_path,
                                                              monkeypatch):
    nb, out = light
    registry.register(_spec("light", nb))
    assert _run(out, sample_db).outcomes[0].status == "ok"
    good = (out / "2570" / "40" / "light.html").read_bytes()
    params = tmp_path / "params"
    shutil.copytree(paths.PARAMS_DIR, params)
    (params / "provinces" / "40.yml").write_text(
        "plan:\n  must_include: {NO-SUCH-PROJECT: committed}\n", encoding="utf-8")
    monkeypatch.setenv("ONEPLAN_PARAMS", str(params))
    o = _run(out, sample_db).outcomes[0]
    assert o.status == "failed" and "ValueError: must_include NO-SUCH-PROJECT" in o.error
    assert (out / "2570" / "40" / "light.html").read_bytes() == good
    entry = _manifest(out)["reports"]["40/light"]
    assert entry["status"] == "failed" and entry["last_good_files"]["html"].endswith("light.html")
    failed = nbformat.read(out / "2570" / "40" / "light.failed.ipynb", as_version=4)
    assert "An Exception was encountered" in failed.cells[0].source
    assert any(o.get("output_type") == "error" and "NO-SUCH-PROJECT" in o.get("evalue", "")
               for c in failed.cells if c.cell_type == "code" for o in c.outputs)
    assert not list(out.rglob("*.staging-*"))


def test_cli_lists_failures_and_exits_non_zero(light, sample_db, capsys):
    nb, out = light
    registry.register(_spec("light", nb))
    registry.register(_spec("bad", nb, behaviour="fail"))
    code = cli.main(["report", "--province", "40", "--formats", "html", "--out", str(out),
                     "--db", str(sample_db), "--workers", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3 and "40/bad: RuntimeError: deliberate failure" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert cli.main(["report", "--province", "40", "--report", "nope", "--out", str(out),
                     "--db", str(sample_db), "--no-progress"]) == 2
