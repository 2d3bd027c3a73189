"""Notebook hygiene: committed without outputs; parameters papermill can read."""

import json

import papermill as pm
import pytest

from oneplan.core.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_that_papermill_parses(path, caplog):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    with caplog.at_level("WARNING"):
        params = pm.inspect_notebook(str(path))
    assert "Unable to parse" not in caplog.text
    assert {"province_code", "fiscal_year", "lang"} <= set(params)
    default = params["province_code"]["default"].strip("'\"")
    assert default.isdigit() or (default == "" and params["province_code"]["default"] != "")
    # a string like "40", or "" (quoted) for a national report
