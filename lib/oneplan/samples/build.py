"""Building the central database from the synthetic sample (``oneplan build-sample``).

The water projects and areas come from :mod:`oneplan.samples.water`; the needs, proposals
and follow-up from :mod:`oneplan.samples.plan`; the linked complaints from
:mod:`oneplan.samples.complaints`. The file is written beside the old one and swapped in
atomically, so a report running meanwhile never reads a half-built database.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from oneplan import __version__
from oneplan.core import areas
from oneplan.core.labels import SYNTHETIC_NOTE_EN, SYNTHETIC_NOTE_TH
from oneplan.core.paths import default_db_path
from oneplan.data import audit, migrations
from oneplan.data.db import schema_sql
from oneplan.samples import complaints as complaints_sample
from oneplan.samples import plan as plan_sample
from oneplan.samples import water as sample

log = logging.getLogger(__name__)


TABLES_FROM_SAMPLE = ("areas", "subdistrict_water", "agencies", "strategic_issues",
                      "water_projects")


SAMPLE_EXTENSIONS = (plan_sample.load_sample, complaints_sample.load_sample)
"""What adds its own synthetic tables to a sample build, each
``load_sample(con, province_codes, *, seed, fiscal_year)``, called after the core tables
are in (``province_codes`` None = all 76 provinces); it inserts into ``con`` itself."""


def build_sample(path: str | Path | None = None, *, seed: int = 2567, fiscal_year: int = 2570,
                 provinces: list[str] | None = None, projects_min: int = 250,
                 projects_max: int = 1500) -> Path:
    """Create the central database from the synthetic sample (all 76 provinces by default).

    Returns:
        The path of the database written.
    """
    path = Path(path) if path else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tables = sample.generate(provinces, seed=seed, fiscal_year=fiscal_year,
                             projects_min=projects_min, projects_max=projects_max)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(schema_sql())
        migrations.stamp(con)  # a database made from schema.sql has every version
        for name in TABLES_FROM_SAMPLE:
            df = tables[name]
            cols = ", ".join(df.columns)
            con.register("incoming", df)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM incoming")
            con.unregister("incoming")
        for load_sample in SAMPLE_EXTENSIONS:
            load_sample(con, provinces, seed=seed, fiscal_year=fiscal_year)
        meta = {
            "synthetic": "true",
            "synthetic_note_th": SYNTHETIC_NOTE_TH,
            "synthetic_note_en": SYNTHETIC_NOTE_EN,
            "generator": sample.GENERATOR,
            "seed": str(seed),
            "fiscal_year": str(fiscal_year),
            "oneplan_version": __version__,
            "geography_version": areas.geography_version(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_name NOT IN ('meta', 'audit_log')"
                                           ).fetchall())
        audit.record(con, action="sample_build", by=audit.SAMPLE_ACTOR, rows_accepted=rows,
                     rows_changed=rows, detail={"seed": seed, "fiscal_year": fiscal_year,
                                                "provinces": len(provinces or
                                                                 areas.all_provinces())})
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    log.info("built %s in %.1f s", path, time.perf_counter() - started)
    return path
