"""Hostile text planted into a real sample database, for the inert-output tests
(``tests/test_inert_output.py``): HTML/script payloads and spreadsheet formulas put into
every name a report shows (proposals, water projects, agencies, districts, sub-districts,
villages, strategic issues, need descriptions, follow-up problems, complaint categories,
project IDs), the way a user could type them into an import file; and a name matplotlib
would take for math markup, for the charts."""

from __future__ import annotations

from pathlib import Path

import duckdb

HTML_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
)
"""Payloads that would run in a browser if written into HTML unescaped."""

FORMULA_PAYLOADS = (
    '=HYPERLINK("http://evil","x")',
    "+SUM(1)",
    "-2+3",
    "@cmd",
    "\t=1",
    "\r=1",
)
"""Payloads a spreadsheet would run as a formula if written into a cell as they are."""

MATH_PAYLOADS = ("$\\undefinedcmd{x}$",)
"""Text matplotlib would read as math markup (and stop the chart on)."""

PAYLOADS = FORMULA_PAYLOADS + HTML_PAYLOADS + MATH_PAYLOADS


def _cycle(column: str, order: str) -> str:
    """SQL: ``<payload i> <column>`` for the i-th row in ``order`` (payloads in turn)."""
    cases = " ".join(f"WHEN {i} THEN ?" for i in range(len(PAYLOADS)))
    return (f"(CASE (row_number() OVER (ORDER BY {order}) - 1) % {len(PAYLOADS)} "
            f"{cases} END) || ' ' || {column}")


def _plant(con, table: str, column: str, key: str, where: str, params=()) -> int:
    """Prefix ``column`` of the rows of ``table`` matching ``where`` with the payloads,
    in turn; returns the rows changed."""
    sql = (f"UPDATE {table} SET {column} = t.v FROM (SELECT {key} AS k, "
           f"{_cycle(column, key)} AS v FROM {table} WHERE {where}) t "
           f"WHERE {table}.{key} = t.k")
    con.execute(sql, [*PAYLOADS, *params])
    return con.execute(f"SELECT count(*) FROM {table} WHERE {where}", list(params)).fetchone()[0]


ID_PAYLOADS = ('=HYPERLINK("http://evil","id")', "@id", "<img src=x onerror=alert(2)>")
"""Project IDs planted (a proposal's ``project_id``, carried into its progress rows)."""


def plant(db_path: Path, province: str) -> dict[str, int]:
    """Plant the payloads into ``db_path`` (a copy of the sample database) for
    ``province``; returns how many rows of each kind were changed."""
    con = duckdb.connect(str(db_path))
    p = [province]
    try:
        n = {}
        n["proposals"] = _plant(con, "proposals", "name_th", "project_id",
                                "province_code = ?", p)
        n["water_projects"] = _plant(con, "water_projects", "name_th", "project_id",
                                     "province_code = ?", p)
        for col in ("name_th", "name_en"):
            n[f"agencies.{col}"] = _plant(con, "agencies", col, "agency_id",
                                          "(province_code = ? OR province_code IS NULL)", p)
            n[f"areas.{col}"] = _plant(con, "areas", col, "code",
                                       "province_code = ? AND level <> 'province'", p)
        # the province's own name (the national overview lists it)
        con.execute("UPDATE areas SET name_th = ? || ' ' || name_th, name_en = ? || ' ' || "
                    "name_en WHERE code = ?", [HTML_PAYLOADS[1], HTML_PAYLOADS[0], province])
        cases = " ".join(f"WHEN {i} THEN ?" for i in range(len(PAYLOADS)))
        for col in ("name_th", "name_en"):
            con.execute(f"UPDATE strategic_issues SET {col} = (CASE issue_no % "
                        f"{len(PAYLOADS)} {cases} END) || ' ' || {col} "
                        "WHERE province_code = ?", [*PAYLOADS, province])
            n[f"strategic_issues.{col}"] = con.execute(
                "SELECT count(*) FROM strategic_issues WHERE province_code = ?", p).fetchone()[0]
        n["needs.description"] = _plant(con, "needs", "description", "need_id",
                                        "province_code = ? AND description IS NOT NULL", p)
        con.execute("UPDATE progress SET problems = ? WHERE project_id IN (SELECT project_id "
                    "FROM proposals WHERE province_code = ?)",
                    [FORMULA_PAYLOADS[0] + " " + HTML_PAYLOADS[1], province])
        # complaint categories not in the registry are shown by their code
        ids = con.execute("SELECT complaint_id FROM complaints WHERE province_code = ? "
                          "ORDER BY complaint_id LIMIT ?", [province, len(PAYLOADS) * 3]
                          ).fetchall()
        for i, (cid,) in enumerate(ids):
            con.execute("UPDATE complaints SET category = ? WHERE complaint_id = ?",
                        [PAYLOADS[i % len(PAYLOADS)], cid])
        n["complaints.category"] = len(ids)
        # IDs: the best-ranked proposals' project_id (and their progress rows)
        top = [r[0] for r in con.execute(
            "SELECT project_id FROM proposals WHERE province_code = ? AND status <> "
            "'cancelled' ORDER BY households DESC NULLS LAST, project_id LIMIT ?",
            [province, len(ID_PAYLOADS)]).fetchall()]
        for new, old in zip(ID_PAYLOADS, top):
            for table in ("proposals", "progress"):
                con.execute(f"UPDATE {table} SET project_id = ? WHERE project_id = ?",
                            [new, old])
            con.execute("UPDATE needs SET project_id = ? WHERE project_id = ?", [new, old])
        n["project_id"] = len(top)
        con.execute("UPDATE meta SET value = value || ' ' || ? WHERE key LIKE "
                    "'synthetic_note_%'", [HTML_PAYLOADS[0]])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return n
