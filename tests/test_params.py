import json
import shutil
from pathlib import Path

import pytest

from oneplan.core import paths
from oneplan.data.params import (
    ParamsError,
    deep_merge,
    list_scenarios,
    load_params,
    params_json_schema,
)


@pytest.fixture
def params_copy(tmp_path) -> Path:
    dst = tmp_path / "params"
    shutil.copytree(paths.PARAMS_DIR, dst)
    return dst


def test_layers_merge_deeply():
    base = load_params()
    kk = load_params("40")
    assert kk.portfolio.budget_baht == 250_000_000
    assert kk.portfolio.time_limit_s == base.portfolio.time_limit_s  # untouched sibling kept
    drought = load_params("40", "drought-first")
    assert drought.portfolio.budget_baht == 250_000_000
    assert drought.priority.weights["storage"] == 0.50
    assert drought.scenario == "drought-first"


def test_call_overrides_win():
    p = load_params("40", overrides={"fiscal_year": 2571, "portfolio": {"budget_baht": 1e6}})
    assert p.fiscal_year == 2571 and p.portfolio.budget_baht == 1e6


def test_deep_merge_replaces_lists_and_keeps_base():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    out = deep_merge(base, {"a": {"c": [3]}})
    assert out == {"a": {"b": 1, "c": [3]}, "d": 1}
    assert base["a"]["c"] == [1, 2]


def test_province_codes_stay_strings():
    p = load_params("01".replace("01", "40"))
    assert p.province_code == "40"
    assert all(isinstance(c, str) and len(c) == 2 for c in p.default_provinces)
    with pytest.raises(Exception, match="'01'"):
        load_params(1)


def test_typo_names_key_and_file(params_copy):
    (params_copy / "provinces" / "40.yml").write_text("portfolio:\n  budgt_baht: 1\n")
    with pytest.raises(ParamsError) as err:
        load_params("40", params_dir=params_copy)
    assert "budgt_baht" in str(err.value) and "40.yml" in str(err.value)


def test_wrong_type_names_the_file_that_set_it(params_copy):
    (params_copy / "provinces" / "40.yml").write_text("portfolio:\n  budget_baht: lots\n")
    with pytest.raises(ParamsError, match=r"40\.yml.*portfolio\.budget_baht"):
        load_params("40", params_dir=params_copy)


def test_unknown_criterion_and_negative_weight(params_copy):
    (params_copy / "scenarios" / "x.yml").write_text("priority:\n  weights: {househlds: 1}\n")
    with pytest.raises(ParamsError, match=r"x\.yml.*househlds"):
        load_params("40", "x", params_dir=params_copy)
    (params_copy / "scenarios" / "x.yml").write_text("priority:\n  weights: {households: -1}\n")
    with pytest.raises(ParamsError, match="households"):
        load_params("40", "x", params_dir=params_copy)


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(ParamsError, match="drought-first"):
        load_params("40", "no-such-scenario")


@pytest.mark.parametrize("name", ["../provinces/40", "../../../etc/passwd", "/etc/hostname",
                                  "scenarios/../drought-first"])
def test_a_scenario_is_a_name_not_a_path(name):
    """``--scenario ../provinces/40`` must not load a YAML file outside ``scenarios/``."""
    with pytest.raises(ParamsError, match="no scenario"):
        load_params("40", name)


def test_every_params_file_validates():
    for f in sorted((paths.PARAMS_DIR / "provinces").glob("*.yml")):
        assert load_params(f.stem).province_code == f.stem
    for name in list_scenarios():
        assert load_params("40", name).scenario == name


def test_json_schema_file_is_in_sync():
    on_disk = json.loads((paths.PARAMS_DIR / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == params_json_schema(), "run: python -c 'from oneplan.data.params import write_json_schema; write_json_schema()'"
