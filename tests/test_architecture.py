"""The library's rooms and their import rules (``docs/architecture.md``).

The rules themselves are import-linter contracts in ``pyproject.toml``; these tests run
them, show once that a broken rule is reported, and check what import-linter cannot: no
private name used across modules, a docstring on every module and public function.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "oneplan"
PARTS = ("core", "data", "samples", "selection", "plan", "complaints", "charts", "reports",
         "batch")


def _lint_imports(config: Path, cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(pythonpath), os.environ.get("PYTHONPATH", "")]))
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--config", str(config), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_import_contracts_hold():
    res = _lint_imports(ROOT / "pyproject.toml", ROOT, ROOT / "lib")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert re.search(r"Contracts: (\d+) kept, 0 broken", res.stdout)


def _fake_library(tmp_path: Path, bad_import: str) -> Path:
    """A copy of the layout (one module per part) named ``fakeplan``, with one extra line."""
    pkg = tmp_path / "fakeplan"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("import fakeplan.batch.mod\n")
    for part in PARTS:
        (pkg / part).mkdir()
        (pkg / part / "__init__.py").write_text("")
        (pkg / part / "mod.py").write_text("import fakeplan.core.mod\n" if part != "core" else "")
    (pkg / "selection" / "other.py").write_text("from fakeplan.selection import mod\n")
    module, line = bad_import.split(":", 1)
    path = pkg.joinpath(*module.split(".")[1:]).with_suffix(".py")
    path.write_text(path.read_text() + line + "\n")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ['[importlinter]', 'root_package = fakeplan']
    for i, contract in enumerate(config["contracts"]):
        lines.append(f"[importlinter:contract:{i}]")
        for key, value in contract.items():
            if isinstance(value, list):
                items = "\n    ".join(v.replace("oneplan", "fakeplan") for v in value)
                lines.append(f"{key} =\n    {items}")
            else:
                lines.append(f"{key} = {value.replace('oneplan', 'fakeplan')}")
    (tmp_path / ".importlinter").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.mark.parametrize("bad_import,reported", [
    ("fakeplan.core.mod:import fakeplan.data.mod", "fakeplan.core is not allowed to import fakeplan.data"),
    ("fakeplan.selection.mod:import fakeplan.plan.mod",
     "fakeplan.selection is not allowed to import fakeplan.plan"),
    ("fakeplan.charts.mod:import fakeplan.data.mod", "fakeplan.charts.mod -> fakeplan.data.mod"),
    ("fakeplan.selection.mod:import fakeplan.selection.other", "No cycles are allowed"),
])
def test_a_broken_rule_is_reported(tmp_path, bad_import, reported):
    """The project's own contracts, applied to a small library with one bad import."""
    where = _fake_library(tmp_path, bad_import)
    res = _lint_imports(where / ".importlinter", where, where)
    assert res.returncode != 0, res.stdout
    assert reported in res.stdout, res.stdout[-3000:]


def _modules() -> list[Path]:
    return sorted(p for p in LIB.rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(LIB.parent).with_suffix("")
    name = ".".join(rel.parts)
    return name.removesuffix(".__init__")


def _private_uses(path: Path) -> list[str]:
    """``from oneplan.x import _name`` and ``module._name`` where ``module`` is a oneplan
    module imported into ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    found, module_aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == "oneplan" or node.module.startswith("oneplan.")):
            for a in node.names:
                target = f"{node.module}.{a.name}"
                if a.name.startswith("_") and not a.name.startswith("__") and node.module != me:
                    found.append(f"{path.name}:{node.lineno} imports {target}")
                if (LIB.parent / Path(*target.split("."))).with_suffix(".py").exists() or (
                        LIB.parent / Path(*target.split("."))).is_dir():
                    module_aliases[a.asname or a.name] = target
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("oneplan."):
                    module_aliases[a.asname or a.name.split(".")[0]] = a.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and module_aliases[node.value.id] != me):
            found.append(f"{path.name}:{node.lineno} uses {module_aliases[node.value.id]}.{node.attr}")
    return found


def test_no_private_name_crosses_a_module_boundary():
    found = [hit for path in _modules() for hit in _private_uses(path)]
    assert not found, "\n".join(found)


def test_every_module_says_what_it_owns():
    missing = [str(path.relative_to(ROOT)) for path in _modules()
               if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert not missing, "\n".join(missing)


def test_every_public_function_and_class_has_a_docstring():
    missing = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and not node.name.startswith("_") and not ast.get_docstring(node)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not missing, "\n".join(missing)


def test_parts_are_the_documented_ones():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    found = sorted(p.name for p in LIB.iterdir() if (p / "__init__.py").exists())
    assert found == sorted(PARTS)
    for part in PARTS:
        assert f"`{part}`" in doc, part


def test_docs_name_only_files_that_exist():
    """Every ``lib/…``, ``docs/…``, ``tools/…``, ``benchmarks/…`` or ``notebooks/…`` path
    written in the README and the docs exists, and every ``oneplan.x.y`` module named there
    can be found."""
    missing = []
    pages = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        body = page.read_text(encoding="utf-8")
        for m in re.finditer(r"(?<![\w/.])((?:lib|docs|tools|benchmarks|notebooks|params)/[\w./-]*\w)", body):
            path = m.group(1)
            if "<" in path or "*" in path:
                continue
            if not (ROOT / path).exists():
                missing.append(f"{page.name}: {path}")
        for m in re.finditer(r"\boneplan((?:\.[a-z_]+)+)", body):
            parts = m.group(1).strip(".").split(".")
            if parts[0] not in (*PARTS, "cli", "complaints"):
                continue  # a file name such as oneplan.duckdb
            for i in range(len(parts), 0, -1):  # the longest prefix that is a module
                base = LIB.joinpath(*parts[:i])
                if base.with_suffix(".py").exists() or (base / "__init__.py").exists():
                    break
            else:
                missing.append(f"{page.name}: oneplan.{'.'.join(parts)}")
    for name in ("DESIGN.md", "HELPERS.md"):
        for page in pages:
            if name in page.read_text(encoding="utf-8"):
                missing.append(f"{page.name}: cites {name}, which this repository does not have")
    assert not missing, "\n".join(missing)


def test_no_module_is_over_800_lines_without_saying_why():
    """A longer module says in its docstring why a split would hurt reading."""
    long = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(source)) or ""
        if source.count("\n") > 800 and "longer than 800 lines because" not in doc:
            long.append(f"{path.relative_to(ROOT)}: {source.count(chr(10))} lines")
    assert not long, "\n".join(long)
