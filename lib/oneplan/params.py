"""Run parameters: ``default.yml`` ← ``provinces/<code>.yml`` ← ``scenarios/<name>.yml`` ← call.

Layers are merged deeply in this module (papermill's own ``-f`` merges shallowly) and the
result is validated by pydantic models that forbid unknown keys. A typo therefore fails
with the key *and the file it came from*, e.g.::

    params/provinces/40.yml: unknown key 'portfolio.budgt_baht' (expected one of: ...)

Province codes stay strings: ``"01"`` is not ``1``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import areas
from .paths import PARAMS_DIR, default_params_dir

Criterion = Literal["households", "storage", "area", "need", "cost_effectiveness"]


class ParamsError(ValueError):
    """Parameters that cannot be read or do not validate; the message names file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class PortfolioParams(_Strict):
    """The water-portfolio selection (see :mod:`oneplan.portfolio`)."""

    budget_baht: float = Field(400_000_000, gt=0,
                               description="Budget per fiscal year, baht (see plan.budget_by_year)")
    time_limit_s: float = Field(60, gt=0, description="Solver time limit, seconds")
    mip_rel_gap: float = Field(
        1e-4, ge=0, lt=1,
        description="Relative MIP gap at which to stop (1e-4 = within 0.01 % of the optimum)")
    only_ready: bool = Field(False, description="Consider only projects ready to start")


GroupColumn = Literal["district_code", "basin", "zone", "strategy_no", "type_code"]


class GroupLimitParams(_Strict):
    """A floor or cap on one group (or every group) of a column, over the whole plan."""

    column: GroupColumn
    key: str | None = Field(None, description="One group value; omit for every group")
    min_count: int | None = Field(None, ge=0)
    max_count: int | None = Field(None, ge=0)
    min_baht: float | None = Field(None, ge=0)
    max_baht: float | None = Field(None, ge=0)
    min_share: float | None = Field(None, ge=0, le=1)
    max_share: float | None = Field(None, ge=0, le=1)
    name: str = ""


class PlanParams(_Strict):
    """The multi-year water plan (Khon Kaen's practice): horizon, rules, explanations."""

    years: int = Field(3, ge=1, le=5, description="Fiscal years in the plan, from fiscal_year")
    budget_by_year: list[float] = Field(
        default_factory=list,
        description="Baht per plan year; empty = portfolio.budget_baht every year")
    fund_source: Literal["province", "department", "lao"] = Field(
        "province", description="Budget source; only projects it may fund are eligible")
    readiness_first_year: bool = Field(
        True, description="Only ready projects (BOQ, land, consent) may start in year one")
    start_discount: float = Field(
        0.97, gt=0, le=1, description="Value multiplier per year a project starts later")
    district_min_projects: int = Field(
        1, ge=0, description="Equity floor: projects per district that has ready, eligible ones")
    district_max_share: float | None = Field(
        0.15, gt=0, le=1, description="Cap: share of the plan budget one district may take")
    basin_max_share: float | None = Field(None, gt=0, le=1)
    limits: list[GroupLimitParams] = Field(default_factory=list)
    must_include: dict[str, str] = Field(
        default_factory=dict, description="Committed project id -> reason")
    must_exclude: dict[str, str] = Field(
        default_factory=dict, description="Excluded project id -> reason")
    stability_penalty: float = Field(
        0.05, ge=0, description="Revision: priority points a change must gain to be made")
    explain_max_resolves: int = Field(
        20, ge=0, le=2000, description="Re-solves used to confirm reasons")
    explain_time_limit_s: float = Field(
        0.5, gt=0, description="Time limit of each re-solve confirming a reason, seconds")
    explain_loss_width: float | None = Field(
        0.25, gt=0, lt=1,
        description="Stop a confirming re-solve once the objective lost is proven > 0 and "
                    "known within this fraction of itself (null: solve to mip_rel_gap)")
    compare_time_limit_s: float = Field(
        10.0, gt=0, description="Time limit of each frontier / scenario / method solve")
    compare_mip_rel_gap: float = Field(
        1e-3, ge=0, lt=1, description="Relative MIP gap of the budget-frontier and scenario "
                                      "solves (the plan itself uses portfolio.mip_rel_gap)")
    frontier_fractions: list[float] = Field(
        default_factory=lambda: [0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5])
    compare_scenarios: list[str] = Field(
        default_factory=lambda: ["drought-first", "flood-first", "households-first"])

    @field_validator("budget_by_year")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(b <= 0 for b in value):
            raise ValueError("every yearly budget must be > 0")
        return value


class PriorityParams(_Strict):
    """Weights of the transparent priority criteria (normalised to sum 1 when used)."""

    weights: dict[Criterion, float] = Field(
        default_factory=lambda: {
            "households": 0.30,
            "storage": 0.20,
            "area": 0.15,
            "need": 0.20,
            "cost_effectiveness": 0.15,
        }
    )

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in value.items() if w < 0]
        if bad:
            raise ValueError(f"weights must be ≥ 0: {', '.join(bad)}")
        if value and sum(value.values()) <= 0:
            raise ValueError("at least one weight must be > 0")
        return value


class ReportParams(_Strict):
    language: Literal["th", "en"] = "th"
    formats: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html", "pdf"])
    table_rows: int = Field(30, ge=1, le=5000, description="Rows in the selected-projects table")


class SampleParams(_Strict):
    seed: int = 2567
    projects_min: int = Field(250, ge=1)
    projects_max: int = Field(1500, ge=1)


class Params(_Strict):
    """Everything a run needs, after merging and validating all layers."""

    province_code: str | None = None
    fiscal_year: int = Field(2570, ge=2500, le=2700, description="Fiscal year (พ.ศ.)")
    scenario: str | None = None
    default_provinces: list[str] = Field(default_factory=lambda: ["40", "45", "32"])
    portfolio: PortfolioParams = Field(default_factory=PortfolioParams)
    plan: PlanParams = Field(default_factory=PlanParams)
    priority: PriorityParams = Field(default_factory=PriorityParams)
    report: ReportParams = Field(default_factory=ReportParams)
    sample: SampleParams = Field(default_factory=SampleParams)

    @field_validator("province_code", mode="before")
    @classmethod
    def _province(cls, value: Any) -> Any:
        return None if value in (None, "") else areas.province(value).code

    @field_validator("default_provinces", mode="before")
    @classmethod
    def _provinces(cls, value: Any) -> Any:
        return [areas.province(v).code for v in value]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of keys at the top level")
    return data


def _check_keys(layer: Mapping[str, Any], model: type[BaseModel], source: str, prefix=""):
    """Name the first unknown key of a layer and its file, before any merging."""
    for key, value in layer.items():
        path = f"{prefix}{key}"
        field = model.model_fields.get(key)
        if field is None:
            known = ", ".join(model.model_fields)
            raise ParamsError(f"{source}: unknown key '{path}' (expected one of: {known})")
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            if not isinstance(value, Mapping):
                raise ParamsError(f"{source}: '{path}' must be a mapping of keys")
            _check_keys(value, sub, source, prefix=f"{path}.")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``; nested mappings merge key by key.

    Lists and scalars are replaced, not appended.
    """
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _leaf_sources(layer: Mapping[str, Any], source: str, prefix: tuple = ()) -> dict:
    out = {}
    for key, value in layer.items():
        if isinstance(value, Mapping):
            out.update(_leaf_sources(value, source, prefix + (key,)))
        else:
            out[prefix + (key,)] = source
    return out


def list_scenarios(params_dir: Path | str | None = None) -> list[str]:
    """Names of the scenario files available (without ``.yml``)."""
    folder = Path(params_dir or default_params_dir()) / "scenarios"
    return sorted(p.stem for p in folder.glob("*.yml"))


def load_params(
    province_code: str | None = None,
    scenario: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    params_dir: Path | str | None = None,
) -> Params:
    """Merge the parameter layers for one run and validate them.

    Args:
        province_code: two-digit DOPA code as a string; its ``provinces/<code>.yml`` is
            optional (provinces without one run on the defaults).
        scenario: name of a file in ``scenarios/`` (without ``.yml``); ``None`` or ``""``
            for none.
        overrides: last layer, from the caller (e.g. notebook parameters).
        params_dir: folder holding ``default.yml``; default ``$ONEPLAN_PARAMS`` or
            ``params/``.

    Returns:
        The validated :class:`Params`.

    Raises:
        ParamsError: unreadable YAML, an unknown key (named with its file), a value of the
            wrong type (named with the file that set it), or an unknown scenario.
        oneplan.areas.UnknownAreaError: the province code is not a province.
    """
    params_dir = Path(params_dir or default_params_dir())
    layers: list[tuple[str, dict[str, Any]]] = [
        (str(params_dir / "default.yml"), _read_yaml(params_dir / "default.yml"))
    ]
    if province_code not in (None, ""):
        code = areas.province(province_code).code
        path = params_dir / "provinces" / f"{code}.yml"
        if path.exists():
            layers.append((str(path), _read_yaml(path)))
        layers.append(("province argument", {"province_code": code}))
    if scenario:
        path = params_dir / "scenarios" / f"{scenario}.yml"
        if not path.exists():
            raise ParamsError(
                f"no scenario '{scenario}' in {path.parent} "
                f"(available: {', '.join(list_scenarios(params_dir)) or 'none'})"
            )
        layers.append((str(path), _read_yaml(path)))
        layers.append(("scenario argument", {"scenario": scenario}))
    if overrides:
        layers.append(("overrides", dict(overrides)))

    merged: dict[str, Any] = {}
    sources: dict[tuple, str] = {}
    for source, layer in layers:
        _check_keys(layer, Params, source)
        merged = deep_merge(merged, layer)
        sources.update(_leaf_sources(layer, source))
    try:
        return Params.model_validate(merged)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            source = next(
                (sources[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in sources),
                "defaults",
            )
            problems.append(f"{source}: '{'.'.join(loc)}': {err['msg']}")
        raise ParamsError("; ".join(problems)) from None


def params_json_schema() -> dict[str, Any]:
    """JSON Schema of the parameter files (written to ``params/schema.json``)."""
    return Params.model_json_schema()


def write_json_schema(path: Path = PARAMS_DIR / "schema.json") -> Path:
    path.write_text(json.dumps(params_json_schema(), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path
