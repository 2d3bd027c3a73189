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

from oneplan.core import areas
from oneplan.core.errors import UserError
from oneplan.core.paths import PARAMS_DIR, default_params_dir

Criterion = Literal["households", "storage", "area", "need", "cost_effectiveness"]


class ParamsError(UserError, ValueError):
    """Parameters that cannot be read or do not validate; the message names file and key
    (a user error: exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class PortfolioParams(_Strict):
    """The water-portfolio selection (see :mod:`oneplan.selection.portfolio`)."""

    budget_baht: float = Field(150_000_000, gt=0,
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
    """How reports are written: their language, file formats and table length."""

    language: Literal["th", "en"] = "th"
    formats: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html", "pdf"])
    table_rows: int = Field(30, ge=1, le=5000, description="Rows in the selected-projects table")


class SampleParams(_Strict):
    """The synthetic sample: its seed and how many water projects each province gets."""

    seed: int = 2567
    projects_min: int = Field(250, ge=1)
    projects_max: int = Field(1500, ge=1)


# --- Surin One Plan / Plan101Pro (oneplan.plan.needs, oneplan.plan.ranking, oneplan.plan.followup) -------

NeedCategory = Literal["water", "road", "electricity", "agriculture", "occupation", "health",
                       "education", "environment", "safety", "other"]
AuthorityLevel = Literal["village", "lao", "joint", "district", "province", "department"]


class AuthorityRuleParams(_Strict):
    """One classification rule: needs of these categories costing at most ``max_cost_baht``
    belong to ``authority``. Rules are tried in order; the first that matches wins."""

    categories: list[NeedCategory | Literal["*"]] = Field(
        default_factory=lambda: ["*"], description="Need categories; '*' = any category")
    max_cost_baht: float | None = Field(
        None, ge=0, description="Upper cost bound (inclusive), baht; null = no bound")
    authority: AuthorityLevel


def _default_authority_rules() -> list[AuthorityRuleParams]:
    rules = [
        (["*"], 50_000, "village"),
        (["road", "water", "electricity", "environment"], 2_000_000, "lao"),
        (["health", "education", "other", "occupation", "agriculture"], 500_000, "lao"),
        (["occupation", "agriculture"], 3_000_000, "joint"),
        (["safety"], 3_000_000, "district"),
        (["electricity"], None, "department"),
        (["*"], 20_000_000, "province"),
        (["*"], None, "department"),
    ]
    return [AuthorityRuleParams(categories=c, max_cost_baht=m, authority=a)
            for c, m, a in rules]


class NeedsParams(_Strict):
    """Sorting village needs (Surin One Plan): who a need belongs to and which strategic
    issue of the province it fits (:mod:`oneplan.plan.needs`)."""

    authority_rules: list[AuthorityRuleParams] = Field(
        default_factory=_default_authority_rules,
        description="First matching rule gives the authority level; a need without a cost "
                    "stays unclassified")
    strategy_by_category: dict[NeedCategory, int | None] = Field(
        default_factory=lambda: {"water": 1, "agriculture": 1, "occupation": 2, "road": 2,
                                 "health": 3, "education": 3, "environment": 4,
                                 "safety": 5, "electricity": None, "other": None},
        description="Strategic issue number each category fits; null or absent = does not fit")
    waiting_rows: int = Field(20, ge=1, le=1000, description="Rows in 'needs waiting longest'")

    @field_validator("authority_rules")
    @classmethod
    def _has_rules(cls, value: list[AuthorityRuleParams]) -> list[AuthorityRuleParams]:
        if not value:
            raise ValueError("give at least one authority rule")
        return value


RankingCriterion = Literal["households", "cost_effectiveness", "strategy_fit", "readiness",
                           "village_need"]


class RankingParams(_Strict):
    """Plan101Pro ranking of agencies' proposals (:mod:`oneplan.plan.ranking`); the weights are
    published in the report."""

    weights: dict[RankingCriterion, float] = Field(
        default_factory=lambda: {"households": 0.25, "cost_effectiveness": 0.20,
                                 "strategy_fit": 0.20, "readiness": 0.20,
                                 "village_need": 0.15})
    top_n: int = Field(20, ge=1, le=1000, description="Size of the top of the ranking "
                                                      "checked by the sensitivity analysis")
    sensitivity_step: float = Field(0.2, gt=0, lt=1,
                                    description="Each weight moved by ± this share")

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in value.items() if w < 0]
        if bad:
            raise ValueError(f"weights must be ≥ 0: {', '.join(bad)}")
        if not value or sum(value.values()) <= 0:
            raise ValueError("at least one weight must be > 0")
        return value


class FollowupParams(_Strict):
    """Quarterly follow-up of funded projects (:mod:`oneplan.plan.followup`)."""

    disbursement_targets_pct: list[float] = Field(
        default_factory=lambda: [20.0, 45.0, 70.0, 100.0],
        description="Cumulative disbursement target at the end of fiscal quarters 1-4, % of "
                    "the allocation")
    as_of_quarter: int | None = Field(
        None, ge=1, le=4, description="Quarter the follow-up is as of; null = the latest "
                                      "quarter with any report")
    stale_after_quarters: int = Field(
        1, ge=0, le=3, description="A project is stale when its last report is more than "
                                   "this many quarters old")
    at_risk_gap_pct: float = Field(
        15.0, ge=0, le=100, description="At risk: physical progress this many points behind "
                                        "the time elapsed, or disbursement behind target")
    min_projects_scorecard: int = Field(
        5, ge=1, description="Agencies with fewer followed projects are shown but not ranked")

    @field_validator("disbursement_targets_pct")
    @classmethod
    def _targets(cls, value: list[float]) -> list[float]:
        if len(value) != 4:
            raise ValueError("give four cumulative targets, one per fiscal quarter")
        if any(not 0 <= v <= 100 for v in value) or any(b < a for a, b in zip(value, value[1:])):
            raise ValueError("targets must lie in 0..100 and never decrease")
        return value


class PersonModelParams(_Strict):
    """Fixed Splink parameters of the person-identity model (m = share of pairs of the
    same person at a level, u = share of pairs of different people). Not trained per run,
    so an incremental batch is scored exactly like a full run."""

    prior: float = Field(1e-5, gt=0, lt=1,
                         description="Probability that two random records are one person")
    threshold: float = Field(0.95, gt=0, lt=1, description="Match probability to link")
    id_m: float = Field(0.999, gt=0, lt=1, description="Same person, both valid IDs agree")
    id_u: float = Field(1e-7, gt=0, lt=1)
    phone_m: float = Field(0.95, gt=0, lt=1)
    phone_u: float = Field(1e-6, gt=0, lt=1)
    first_name_m: list[float] = Field(default_factory=lambda: [0.85, 0.1, 0.05 - 1e-9, 1e-9],
                                      description="exact, JW≥0.9, JW≥0.75, else")
    first_name_u: list[float] = Field(default_factory=lambda: [0.01, 0.01, 0.05, 0.93])
    last_name_m: list[float] = Field(default_factory=lambda: [0.85, 0.1, 0.049, 0.001])
    last_name_u: list[float] = Field(default_factory=lambda: [0.0005, 0.001, 0.01, 0.9885])
    place_m: list[float] = Field(
        default_factory=lambda: [0.6, 0.001, 0.0005, 0.3285, 0.07],
        description="Place levels for one person: same house; same sub-district, other หมู่; "
        "same sub-district, other house number; same sub-district, house unknown; elsewhere")
    place_u: list[float] = Field(
        default_factory=lambda: [1e-6, 8e-5, 4e-5, 4.9e-5, 0.99983],
        description="The same levels for two different people (an unknown house is neutral: "
        "its weight is that of the sub-district alone; a different house or หมู่ counts "
        "against)")

    @field_validator("place_m", "place_u", "first_name_m", "first_name_u", "last_name_m",
                     "last_name_u")
    @classmethod
    def _levels(cls, value: list[float], info) -> list[float]:
        want = 5 if info.field_name.startswith("place") else 4
        if len(value) != want or any(not 0 < v < 1 for v in value):
            raise ValueError(f"give {want} probabilities, each strictly between 0 and 1")
        return value


class MatterModelParams(_Strict):
    """Fixed weights of the matter level (records of one person, or a record with no
    identity against its place, are one matter?). m = share of pairs of one matter at a
    level, u = share of candidate pairs that are different matters; fitted once on the
    first synthetic generator (``samples/feeds.py`` v3, with its retold paraphrases: 100,000
    records of the 20 north-eastern provinces, seed 14, from the truth of its candidate
    pairs), never per run."""

    prior_person: float = Field(0.8688, gt=0, lt=1, description="Candidate pair of one person "
                                "(within matter_window_days) is one matter")
    prior_anonymous: float = Field(0.3863, gt=0, lt=1, description="Candidate pair with an "
                                   "anonymous side (same place, within anonymous_window_days)")
    text_levels: list[float] = Field(default_factory=lambda: [0.55, 0.4, 0.28, 0.18],
                                     description="Trigram-Jaccard thresholds of the text levels")
    text_m: list[float] = Field(default_factory=lambda: [0.2665, 0.2463, 0.282, 0.1812, 0.024])
    text_u: list[float] = Field(default_factory=lambda: [0.0111, 0.0203, 0.052, 0.1529, 0.7637])
    phrase_levels: list[float] = Field(default_factory=lambda: [0.7, 0.5, 0.35, 0.2],
                                       description="5-gram containment thresholds of the "
                                       "phrase levels (a paraphrase keeps the place's words)")
    phrase_m: list[float] = Field(default_factory=lambda: [0.2976, 0.3619, 0.2519, 0.087, 0.0017])
    phrase_u: list[float] = Field(default_factory=lambda: [0.0125, 0.032, 0.0792, 0.289, 0.5873])
    numbers_shared: float = Field(0.5, ge=0, le=1, description="Share of the smaller set of "
                                  "numbers found in the other text for 'shared'")
    numbers_m: list[float] = Field(default_factory=lambda: [0.1798, 0.8117, 0.0085],
                                   description="Numbers in the texts: none on a side; shared; differ")
    numbers_u: list[float] = Field(default_factory=lambda: [0.1446, 0.4359, 0.4196])
    category_m: list[float] = Field(default_factory=lambda: [0.7484, 0.0709, 0.1482, 0.0325],
                                    description="Category: same code; same group; อื่น ๆ "
                                    "(other) on a side; different")
    category_u: list[float] = Field(default_factory=lambda: [0.2433, 0.1377, 0.1502, 0.4689])
    days_levels: list[int] = Field(default_factory=lambda: [3, 7, 14],
                                   description="Days-apart thresholds of the date levels")
    days_m: list[float] = Field(default_factory=lambda: [0.7412, 0.1985, 0.0602, 0.0001])
    days_u: list[float] = Field(default_factory=lambda: [0.3278, 0.3086, 0.3635, 0.0001])
    moo_m: list[float] = Field(default_factory=lambda: [0.4852, 0.5147, 0.0001],
                               description="หมู่ of the records: same; unknown on a side; different")
    moo_u: list[float] = Field(default_factory=lambda: [0.2689, 0.7307, 0.0004])


class ComplaintsParams(_Strict):
    """Complaint linkage, tracking and statistics (see :mod:`oneplan.complaints`)."""

    person: PersonModelParams = Field(default_factory=PersonModelParams)
    matter_window_days: int = Field(
        14, ge=0, description="Same person: copies of one matter arrive within this many days")
    anonymous_window_days: int = Field(
        10, ge=0, description="Records with no identity: window against other records")
    matter: MatterModelParams = Field(default_factory=MatterModelParams)
    matter_threshold: float = Field(
        0.9, gt=0, lt=1, description="Match probability for two records to be one matter")
    matter_apart_below: float = Field(
        0.05, ge=0, lt=1, description="A candidate pair whose matter probability is below "
        "this is never in one matter (a cannot-link: no chaining of two clearly different "
        "matters of one person through a third record)")
    review_min_probability: float = Field(
        0.5, gt=0, lt=1, description="Uncertain band: pairs with review_min_probability ≤ p "
        "< the level's threshold (person.threshold, matter_threshold) go to the officer's "
        "review list (complaint_review_pairs)")
    block_cap: int = Field(
        100, ge=10, description="Largest blocking block compared whole; in a larger one "
        "each record meets only its block_neighbours nearest in a sort on each side")
    block_neighbours: int = Field(
        0, ge=0, description="In a block over block_cap, the records each record meets on "
        "either side in the rule's sort (0: block_cap // 2); bounds the pairs per record")
    matter_candidates_per_record: int = Field(
        40, ge=1, description="Most matter-level candidates per record (nearest in date)")
    memory_limit: str = Field(
        "2GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB memory limit of the linkage (env ONEPLAN_DUCKDB_MEMORY wins)")
    sla_days: dict[str, int] = Field(
        default_factory=lambda: {
            "road": 30, "streetlight": 15, "water_supply": 7, "flood": 15, "garbage": 7,
            "pollution": 30, "land": 60, "debt": 30, "consumer": 30, "official": 45,
            "agriculture": 30, "health": 30, "drugs": 15, "welfare": 30},
        description="Days to close, per category (missing category: default_sla_days)")
    default_sla_days: int = Field(30, ge=1)
    min_count: int = Field(5, ge=1, description="Fewest cases for a ranking row")
    hotspot_min_clusters: int = Field(
        5, ge=2, description="Distinct matters of one category in one sub-district")
    backlog_bins_days: list[int] = Field(default_factory=lambda: [7, 15, 30, 60, 90])
    sample_per_10k_people: float = Field(
        8.0, ge=0, description="Sample records per 10,000 people in build-sample")
    threads: int = Field(0, ge=0, description="DuckDB threads for linkage (0 = all cores)")


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
    needs: NeedsParams = Field(default_factory=NeedsParams)
    ranking: RankingParams = Field(default_factory=RankingParams)
    followup: FollowupParams = Field(default_factory=FollowupParams)
    complaints: ComplaintsParams = Field(default_factory=ComplaintsParams)

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
        oneplan.core.areas.UnknownAreaError: the province code is not a province.
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
        # a scenario is a name from the folder, never a path (`../provinces/40`, `/etc/x`)
        if not path.exists() or scenario not in list_scenarios(params_dir):
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
    """Write :func:`params_json_schema` to ``path`` (``params/schema.json``).

    Returns:
        ``path``.
    """
    path.write_text(json.dumps(params_json_schema(), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path
