"""Notebook hygiene: committed without outputs; parameters papermill can read; each
``notebooks/<name>.py`` (jupytext percent script, the reviewed source) agrees with its
``notebooks/<name>.ipynb`` (what papermill, the batch and nbval run)."""

import copy
import json
from fnmatch import fnmatch

import jupytext
import nbformat
import papermill as pm
import pytest

from oneplan.core.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
SCRIPTS = sorted(NOTEBOOKS_DIR.glob("*.py"))

# cell metadata Jupyter itself adds while you work, which jupytext does not keep in the script
_VOLATILE_CELL_METADATA = {"execution", "ExecuteTime", "collapsed", "scrolled", "trusted"}


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


# ------------------------------------------------------------- script ⇄ notebook pairs


def _cells(nb) -> list[tuple[str, str, dict]]:
    return [(c.cell_type, c.source,
             {k: v for k, v in c.metadata.items() if k not in _VOLATILE_CELL_METADATA})
            for c in nb.cells]


def _differences(script: nbformat.NotebookNode, nb: nbformat.NotebookNode) -> list[str]:
    """How the notebook read from a percent script differs from the ``.ipynb`` (empty when
    they agree): cell count, type, source, metadata (tags) and the kernelspec."""
    found = []
    if script.metadata.get("kernelspec") != nb.metadata.get("kernelspec"):
        found.append(f"kernelspec: script {script.metadata.get('kernelspec')} != "
                     f"notebook {nb.metadata.get('kernelspec')}")
    ours, theirs = _cells(script), _cells(nb)
    if len(ours) != len(theirs):
        found.append(f"{len(ours)} cells in the script, {len(theirs)} in the notebook")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        for what, x, y in zip(("type", "source", "metadata"), a, b):
            if x != y:
                found.append(f"cell {i} {what}: script {x!r} != notebook {y!r}")
    return found


def test_every_notebook_has_its_script_and_back():
    assert NOTEBOOKS
    assert [p.stem for p in SCRIPTS] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_script_and_notebook_agree(path):
    """Edit ``notebooks/<name>.py``, then ``make notebooks`` (``jupytext --sync``)."""
    script = jupytext.read(path)
    nb = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    found = _differences(script, nb)
    assert not found, (f"{path.name} and {path.with_suffix('.ipynb').name} differ; run "
                       "`make notebooks`:\n" + "\n".join(found[:10]))
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert any("parameters" in c.metadata.get("tags", []) for c in script.cells)


@pytest.mark.parametrize("change", ["source", "tag", "type", "kernelspec", "extra cell"])
def test_a_difference_is_found(change):
    """The pair check itself: one change to a copy of a notebook is reported."""
    path = SCRIPTS[0]
    script = jupytext.read(path)
    nb = copy.deepcopy(nbformat.read(path.with_suffix(".ipynb"), as_version=4))
    assert not _differences(script, nb)
    code = next(c for c in nb.cells if c.cell_type == "code" and "tags" not in c.metadata)
    if change == "source":
        code.source += "\nx = 1"
    elif change == "tag":
        code.metadata["tags"] = ["remove-cell"]
    elif change == "type":
        nb.cells[nb.cells.index(code)] = nbformat.v4.new_markdown_cell(code.source)
    elif change == "kernelspec":
        nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], "name": "python2"}
    else:
        nb.cells.append(nbformat.v4.new_code_cell("pass"))
    assert _differences(script, nb)


def test_scripts_are_not_collected_as_tests(pytestconfig):
    """``notebooks`` is a test path (nbval runs the .ipynb); its scripts are not tests."""
    patterns = pytestconfig.getini("python_files")
    assert not [p.name for p in SCRIPTS if any(fnmatch(p.name, pat) for pat in patterns)]
