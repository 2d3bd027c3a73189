"""A sample database of one province with no plan data entered yet (tests of importing)."""

from pathlib import Path

import duckdb

from oneplan.samples import build

PLAN_TABLES = ("progress", "proposals", "need_stages", "needs")


def build_plan_free(path: Path, province: str | tuple[str, ...] = "32") -> Path:
    """The sample of ``province`` (a code, or several) with the synthetic needs, stages,
    proposals and progress removed, so a test sees exactly the rows it imported."""
    build.build_sample(path, provinces=[province] if isinstance(province, str)
                       else list(province))
    con = duckdb.connect(str(path))
    try:
        for table in PLAN_TABLES:
            con.execute(f"DELETE FROM {table}")
    finally:
        con.close()
    return path
