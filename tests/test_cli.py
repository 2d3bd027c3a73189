import json

from oneplan import cli


def test_provinces_lists_76(capsys):
    assert cli.main(["provinces"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 76 and any(line.startswith("40  ขอนแก่น") for line in lines)


def test_unknown_province_says_how_to_list(capsys):
    assert cli.main(["report", "--province", "99", "--no-progress"]) == 2
    assert "oneplan provinces" in capsys.readouterr().err


def test_missing_database_names_the_build_command(tmp_path, capsys):
    code = cli.main(["select", "--province", "40", "--db", str(tmp_path / "none.duckdb")])
    assert code == 2
    assert "oneplan build-sample" in capsys.readouterr().err


def test_select_prints_the_real_status(capsys, sample_db):
    assert cli.main(["select", "--province", "32", "--db", str(sample_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["province_code"] == "32" and out["solver_status"] == "optimal"
    assert out["selected_baht"] <= out["budget_baht"]


def test_params_shows_merged_layers(capsys):
    assert cli.main(["params", "--province", "40", "--scenario", "drought-first"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["portfolio"]["budget_baht"] == 250_000_000      # params/provinces/40.yml
    assert out["priority"]["weights"]["storage"] == 0.50       # params/scenarios/drought-first.yml


def test_plan_approve_then_revise_saves_versions(tmp_path, sample_db, capsys):
    import shutil

    from oneplan.data import db
    from oneplan.selection import versions as plan_versions

    path = tmp_path / "plan.duckdb"
    shutil.copy(sample_db, path)
    assert cli.main(["plan", "approve", "--province", "32", "--db", str(path)]) == 0
    assert cli.main(["plan", "revise", "--province", "32", "--db", str(path),
                     "--facts-out", str(tmp_path / "facts.xlsx")]) == 0
    assert "32-2570-v2" in capsys.readouterr().out
    con = db.connect(path)
    try:
        versions = plan_versions.list_plan_versions(con, "32")
        v2 = plan_versions.load_plan_version(con, "32-2570-v2")
    finally:
        con.close()
    assert list(versions["version_id"]) == ["32-2570-v1", "32-2570-v2"]
    assert versions.iloc[1]["parent_version_id"] == "32-2570-v1"
    assert set(v2.items["change"].dropna()) <= {"kept", "added", "dropped", "moved"}
    assert (tmp_path / "facts.xlsx").exists()  # the facts used, to edit and re-import
