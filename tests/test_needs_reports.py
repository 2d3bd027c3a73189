"""Open export (OC4IDS, CSV/XLSX) and the two plan notebooks run by papermill."""

import json
import re

import openpyxl
import pandas as pd
import papermill as pm
import pytest

from oneplan.data import db
from oneplan.plan import oc4ids, governor
from oneplan.core.paths import NOTEBOOKS_DIR

PHASES = ("identification", "preparation", "implementation", "completion", "cancelled")


@pytest.fixture(scope="module")
def con(sample_db):
    c = db.connect(sample_db)
    yield c
    c.close()


def test_oc4ids_package_maps_statuses_and_stages(con):
    pkg = oc4ids.project_package(con, "32", 2570)
    n = con.execute("SELECT count(*) FROM proposals WHERE province_code = '32'").fetchone()[0]
    assert len(pkg["projects"]) == n and pkg["x_synthetic"] is True
    counts = oc4ids.phase_counts(pkg)
    assert set(counts) <= set(PHASES) and all(counts.get(p, 0) > 0 for p in PHASES)
    by_id = {p["id"]: p for p in pkg["projects"]}
    row = con.execute("SELECT project_id, need_id, allocated_baht FROM proposals "
                      "WHERE province_code = '32' AND status = 'completed' "
                      "AND need_id IS NOT NULL ORDER BY project_id LIMIT 1").fetchone()
    p = by_id[f"{oc4ids.ID_PREFIX}{row[0]}"]
    assert p["status"] == "completion" and p["x_villageNeed"] == row[1]
    stages = dict(con.execute("SELECT stage, CAST(stage_on AS VARCHAR) FROM need_stages "
                              "WHERE need_id = ?", [row[1]]).fetchall())
    assert p["identificationPeriod"] == {"startDate": stages["submitted"],
                                         "endDate": stages["in_plan"]}
    assert p["preparationPeriod"]["endDate"] == stages["allocated"]
    assert p["implementationPeriod"] == {"startDate": stages["allocated"],
                                         "endDate": stages["completed"]}
    assert p["completion"]["endDate"] == stages["completed"]
    assert p["budget"]["amount"] == {"amount": row[2], "currency": "THB"}
    assert p["contractingProcesses"][0]["summary"]["status"] == "closed"
    assert p["publicAuthority"]["id"] == p["parties"][0]["id"]
    # documents are listed only when attached, with OC4IDS document types
    for q in pkg["projects"]:
        for d in q.get("documents", []):
            assert d["documentType"] in {t for t, _ in oc4ids.DOCUMENT_TYPES.values()}
            assert d["url"].startswith("attachments/")


def test_oc4ids_has_no_personal_data(con, tmp_path):
    path = oc4ids.write_package(con, "45", 2570, tmp_path)
    text = path.read_text(encoding="utf-8")
    json.loads(text)
    assert not re.search(r"\b\d{13}\b", text)           # no national id
    assert not re.search(r"\b0\d{8,9}\b", text)         # no phone number


def test_overview_groups_every_proposal_once(con):
    p = governor.load_projects(con, "45", 2570)
    assert p["group"].notna().all()
    t = governor.totals(p)
    assert t["projects"].sum() == len(p)
    by = governor.overview_by(p, "district_code")
    assert by["total_count"].sum() == len(p)
    assert by["total_baht"].sum() == pytest.approx(p["baht"].sum())
    # funded projects count with their allocation
    done = p[p["group"] == "done"]
    assert (done["baht"] == done["allocated_baht"]).all()


def _run(name, tmp_path, **params):
    out = tmp_path / name
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(tmp_path / f"{name}.out.ipynb"),
                        parameters={"output_dir": str(out), **params}, kernel_name="python3",
                        progress_bar=False, cwd=str(NOTEBOOKS_DIR))
    return out, json.loads((out / f"{name}.summary.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_needs_plan_notebook_for_roi_et_in_english(tmp_path):
    out, s = _run("needs_plan", tmp_path, province_code="45", lang="en")
    assert s["synthetic"] is True and s["province_code"] == "45" and s["lang"] == "en"
    assert s["fiscal_year"] == 2570
    assert s["needs"] > s["needs_in_plan"] > s["needs_allocated"] > s["needs_completed"] > 0
    assert s["ranking_weights"]["households"] == 0.25 and len(s["top_ids"]) == 20
    assert 0 < s["sensitivity_min_kept_share"] <= 1
    assert set(s["overview"]) == {"done", "in_progress", "awaiting_budget", "proposed"}
    assert (out / "oc4ids_45_2570.json").exists()
    tables = sorted(p.stem for p in (out / "needs_plan_tables").glob("*.csv"))
    assert {"funnel", "ranking", "ranking_weights", "sensitivity", "overview_by_area",
            "waiting_longest", "silent_villages", "proposals_lacking"} <= set(tables)
    wb = openpyxl.load_workbook(out / "needs_plan.xlsx", read_only=True)
    assert wb.sheetnames[0] == "README" and "funnel" in wb.sheetnames
    ranking = pd.read_csv(out / "needs_plan_tables" / "ranking.csv")
    assert "Score" in ranking.columns and len(ranking) == s["proposals_ranked"]


@pytest.mark.slow
def test_followup_notebook_for_surin_in_thai(tmp_path):
    out, s = _run("followup", tmp_path, province_code="32", lang="th")
    assert s["synthetic"] is True and s["province_code"] == "32" and s["lang"] == "th"
    assert s["as_of_quarter"] == 3 and s["projects_followed"] > s["late_projects"] > 0
    assert s["disbursed_target_share"] == 0.7
    assert s["agencies"] > s["agencies_ranked"] > 0
    assert [q["quarter"] for q in s["by_quarter"]] == [1, 2, 3, 4]
    assert s["by_quarter"][3]["disbursed_share"] is None
    cards = pd.read_csv(out / "followup_tables" / "agency_scorecards.csv")
    ranked = cards[cards["อันดับ"].notna()]
    assert (ranked["จำนวนโครงการ"] >= 5).all()


def test_national_reports_group_by_province(sample_db):
    from oneplan.reports import followup as fr, needs_plan as pr

    f = fr.run_followup("", 2570, "en", str(sample_db))
    t = fr.area_table(f)
    assert sorted(t["Province"]) == ["Khon Kaen", "Roi Et", "Surin"]
    s = fr.summary_followup(f)
    assert s["province_code"] == "" and s["projects_followed"] == len(f.data["status"])
    r = pr.run_needs_plan("", 2570, "th", str(sample_db))
    area = pr.overview_tables(r)["area"]
    assert set(area["จังหวัด"]) == {"ขอนแก่น", "ร้อยเอ็ด", "สุรินทร์"}
    assert pr.summary_needs(r)["needs"] == sum(
        pr.run_needs_plan(c, 2570, "th", str(sample_db)).extra["figures"]["needs"]
        for c in ("40", "45", "32"))
