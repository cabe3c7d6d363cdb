"""Typed configuration of a run: the one place where every knob, its default and its range live.

The dataclasses are registered with Hydra's ConfigStore as the schema of `configs/config.yaml`, so
the command line, the Python API and Mesa's `batch_run` all compose the same validated config.
A knob's allowed range sits in its field metadata; `validate` checks them all and names the key.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import Field, dataclass, field, fields, is_dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

TYPES = ("unwilling", "unable", "afraid", "reluctant", "fearful")


class ConfigError(ValueError):
    """A config value is invalid; the message names the key and the allowed range."""


def knob(default: Any, lo: float | None = None, hi: float | None = None, doc: str = "") -> Any:
    """A config field with an allowed closed range [lo, hi] (None: unbounded)."""
    return field(default=default, metadata={"range": (lo, hi), "doc": doc})


def unit(default: float, doc: str = "") -> Any:
    """A knob in [0, 1] (a probability or a share)."""
    return knob(default, 0.0, 1.0, doc)


# ---------------------------------------------------------------- population


@dataclass
class TypeMix:
    """Initial shares of the five deficit types and of proactive cadres; they must sum to 1."""

    unwilling: float = unit(0.12)
    unable: float = unit(0.14)
    afraid: float = unit(0.14)
    reluctant: float = unit(0.12)
    fearful: float = unit(0.16)
    proactive: float = unit(0.32)


@dataclass
class Severity:
    """Mean level of each type's dominant deficit, in (threshold, 1)."""

    unwilling: float = unit(0.75)
    unable: float = unit(0.72)
    afraid: float = unit(0.75)
    reluctant: float = unit(0.72)
    fearful: float = unit(0.78)


@dataclass
class InitialBeliefs:
    sanction_risk: float = unit(0.6, "perceived chance a detected honest error is sanctioned")
    inaction_risk: float = unit(0.05, "perceived chance inaction is caught and punished")
    reward: float = unit(0.3, "perceived chance a success is recognised")
    violation_risk: float = unit(0.7, "perceived chance a detected violation is punished")
    awareness: float = unit(0.2, "share of cadres who know the tolerance policy well")
    detection: float = unit(0.3, "perceived chance an error or violation is detected")
    career_risk: float = unit(0.3, "perceived chance that acting harms the career")
    doer_advantage: float = knob(
        0.0, -1.0, 1.0, "perceived career advantage of doers (excellent-rating gap)"
    )


@dataclass
class PopulationConfig:
    name: str = "default"
    description: str = "Default mix: a third proactive, the rest spread over the five deficits."
    size: int = knob(1000, 2, 10_000_000)
    mix: TypeMix = field(default_factory=TypeMix)
    threshold: float = knob(0.5, 0.05, 0.95, "a deficit above this is dominant")
    severity: Severity = field(default_factory=Severity)
    background: float = knob(0.15, 0.0, 0.95, "mean of the non-dominant deficits")
    concentration: float = knob(12.0, 0.5, 1000.0, "Beta concentration; lower = wider spread")
    integrity: float = unit(0.85, "mean integrity")
    integrity_concentration: float = knob(20.0, 0.5, 1000.0)
    beliefs: InitialBeliefs = field(default_factory=InitialBeliefs)


# ---------------------------------------------------------------- network


@dataclass
class NetworkConfig:
    name: str = "hierarchy"
    kind: str = "hierarchy"  # hierarchy | small_world | scale_free | file
    description: str = "Organisational tree with peer ties inside units and a few across."
    span: int = knob(6, 1, 1000, "span of control: subordinates per supervisor")
    levels: int = knob(3, 1, 64, "hierarchy depth: division heads, unit heads, reports")
    peer_prob: float = unit(0.5, "chance two members of a unit are tied")
    cross_ties: float = knob(0.5, 0.0, 50.0, "mean ties per cadre to other units")
    degree: int = knob(6, 2, 1000, "small_world: ring neighbours; scale_free: 2x attachment")
    rewire: float = unit(0.1, "small_world rewiring chance")
    unit_size: int = knob(8, 2, 100_000, "unit size where the network has no hierarchy")
    path: str | None = None
    nodes_path: str | None = None
    allow_disconnected: bool = False


# ---------------------------------------------------------------- policy


@dataclass
class IncentiveConfig:
    """鼓励激励: honour, material and promotion rewards for doers."""

    enabled: bool = True
    reward: float = knob(0.6, 0.0, 10.0, "value R of recognition (honour + material)")
    recognition: float = unit(0.1, "chance a success is recognised at once")
    excellence_quota: float = unit(0.35, "share of each unit rated excellent per cycle")
    promotion_weight: float = unit(
        0.3,
        "w: weight cadres give a success's promotion prospect (W gate); who is promoted "
        "is set by the evaluation score (policy.evaluation.orientation)",
    )
    promotion_value: float = knob(1.0, 0.0, 10.0, "value V of promotion to a cadre")


@dataclass
class AccountabilityConfig:
    """问责: detection, sanctions for errors, misconduct and inaction, 能上能下."""

    enabled: bool = True
    detection: float = unit(0.3, "chance an error or a violation is detected")
    error_sanction: float = knob(
        3.0, 0.0, 100.0, "personal cost S of a sanction for an honest error (as cadres fear it)"
    )
    career_cost: float = knob(1.0, 0.0, 100.0, "career cost K of a harmed career record")
    grade_cuts: list[float] = field(default_factory=lambda: [0.6, 0.81, 0.89])
    misconduct_grade: int = knob(4, 1, 4, "sanction grade for a detected violation")
    inaction_detection: float = unit(0.05, "chance inaction is caught")
    inaction_penalty: float = knob(0.5, 0.0, 10.0, "personal cost S_idle of a caught inaction")
    false_accusation: float = unit(0.0, "per-step chance a successful doer is falsely accused")
    demotion: bool = True
    bottom_share: float = unit(0.1, "share of each unit ranked bottom per cycle")
    demotion_after: int = knob(2, 1, 100, "consecutive bottom ranks before demotion")
    influence_period: int = knob(12, 0, 1000, "steps a heavy sanction blocks promotion")
    influence_from_grade: int = knob(2, 1, 4, "lowest grade that starts an influence period")


@dataclass
class ToleranceConfig:
    """容错纠错: exempting honest errors, screening them from violations, awareness, correction."""

    enabled: bool = False
    coverage: float = unit(0.0, "share of honest errors that qualify for exemption")
    screening: float = unit(0.8, "chance a claim is judged correctly")
    publicity: float = unit(0.0, "per-step chance an unaware cadre learns of the policy")
    case_visibility: bool = True
    correction: bool = True
    recovery: float = unit(0.5, "share of a detected error's damage recovered")
    correction_learning: float = unit(0.01, "competence gain from a corrected error")
    clarification: float = unit(0.0, "chance a false accusation is cleared (澄清正名)")


@dataclass
class TrainingConfig:
    """教育培训: raises competence."""

    enabled: bool = False
    share: float = unit(0.0, "share of cadres trained per step")
    rate: float = unit(0.05, "competence gain as a share of the gap to 1")
    targeted: bool = False


@dataclass
class EducationConfig:
    """思想政治建设: motivation rises slowly toward a cap (the lever for the unwilling)."""

    enabled: bool = False
    rate: float = unit(0.02, "monthly share of the gap to the cap closed")
    cap: float = unit(0.75, "motivation that education can reach")


@dataclass
class EvaluationConfig:
    """The annual evaluation: its score is the promotion orientation (用人导向)."""

    cycle: int = knob(12, 1, 10_000, "steps per evaluation cycle")
    noise: float = knob(1.0, 0.0, 100.0, "sd of evaluation noise, in successes")
    orientation: float = unit(
        0.0, "promotion orientation: 0 = 不出事 (failures weigh most), 1 = 担当 (initiative counts)"
    )
    protection: bool = False  # career protection: exempted honest errors do not count on the record


@dataclass
class CareersConfig:
    """Positions: leaders retire, the best-scored subordinate moves up, entrants fill the base."""

    enabled: bool = True
    retirement: float = unit(0.1, "yearly share of leaders who retire")
    transfer: float = unit(
        0.5, "competence transfer t into a new role (0 = Peter hypothesis, 1 = skills carry over)"
    )
    rotation: float = unit(0.0, "yearly share of cadres rotated across units (交流轮岗)")


@dataclass
class PolicyConfig:
    name: str = "baseline"
    description: str = "Status quo: accountability without tolerance, modest incentives."
    incentive: IncentiveConfig = field(default_factory=IncentiveConfig)
    accountability: AccountabilityConfig = field(default_factory=AccountabilityConfig)
    tolerance: ToleranceConfig = field(default_factory=ToleranceConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    education: EducationConfig = field(default_factory=EducationConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    careers: CareersConfig = field(default_factory=CareersConfig)
    # episodes {start, end, regime, set} switching the policy mid-run, checked and explained by
    # policies/schedule.py (list[Any], so a malformed episode gets its message, not omegaconf's)
    schedule: list[Any] = field(default_factory=list)


# ---------------------------------------------------------------- behaviour


@dataclass
class BehaviourConfig:
    """Constants of the five decision gates and of learning (not policy levers; ODD 7)."""

    steepness: float = knob(3.0, 0.1, 100.0, "kappa: success chance slope in c - d")
    opportunity_steepness: float = knob(10.0, 0.1, 100.0, "kappa_o: slope of the O gate (会为)")
    opportunity_threshold: float = unit(0.45, "c_0: competence at which O = 1/2")
    intrinsic_value: float = knob(1.0, 0.0, 10.0, "v: value of doing the job well")
    want_threshold: float = knob(0.75, -10.0, 10.0, "theta_w: net value needed to want to act")
    want_temperature: float = knob(0.15, 0.01, 10.0, "tau_w: noise of the W gate (想为)")
    leader_example: float = knob(0.1, 0.0, 10.0, "beta: pull of a supervisor who acted")
    leader_support: float = knob(
        0.2, 0.0, 10.0, "omega: a supervisor's competence above the mean raises reports' success"
    )
    peer_norm: float = knob(0.45, 0.0, 10.0, "eta: pull of the share of neighbours who acted")
    effort_cost: float = knob(1.0, 0.0, 10.0, "C: effort cost of initiative")
    bother_threshold: float = knob(0.53, -10.0, 10.0, "psi: slack before effort deters")
    bother_temperature: float = knob(0.15, 0.01, 10.0, "tau_e: noise of the E gate (愿为)")
    career_threshold: float = knob(0.3, -10.0, 10.0, "theta_c: career risk a cadre still takes")
    career_temperature: float = knob(0.1, 0.01, 10.0, "tau_c: noise of the Dc gate (敢为)")
    punish_threshold: float = knob(0.2, -10.0, 10.0, "theta_e: feared punishment still borne")
    punish_temperature: float = knob(0.05, 0.01, 10.0, "tau_e': noise of the De gate (害怕为)")
    temptation: float = unit(0.3, "chance a low-integrity act turns self-serving")
    misconduct_harm: float = knob(2.0, 0.0, 100.0, "public harm of one violation")
    damage: float = knob(1.0, 0.0, 100.0, "public damage of an error at difficulty 1")
    belief_rate: float = unit(0.1, "lambda: learning rate of s^, q^, r^ and k^")
    violation_rate: float = unit(0.3, "learning rate of h^, from the division's discipline cases")
    detection_rate: float = unit(0.35, "learning rate of delta^ (forgetting of past enforcement)")
    advantage_rate: float = unit(0.3, "learning rate of pi^ at each evaluation")
    own_weight: float = knob(3.0, 0.0, 100.0, "weight of own experience vs one neighbour's")
    social_learning: bool = True
    fear_sensitivity: float = unit(0.01, "phi: error-fear change per case seen")
    fear_decay: float = unit(0.05, "monthly pull of error fear back to its baseline f_0")
    practice: float = unit(0.002, "competence gain per initiative taken")
    warning_pressure: float = unit(0.5, "rise of perceived inaction risk after a warning")


EXECUTORS = ("serial", "processes", "ray")
DESIGNS = ("grid", "lhs", "sobol", "morris")
PROGRESS = ("auto", "bar", "lines", "none")


@dataclass
class ExperimentConfig:
    """How many runs, of what, where: the experiment layer (cadresim.experiments) reads these.

    `name` selects the runner: single, compare_regimes or sweep."""

    name: str = "single"
    description: str = "One run of the chosen scenario."
    regimes: list[str] = field(
        default_factory=lambda: ["baseline", "tolerance_only", "three_mechanisms"]
    )
    baseline: str = "baseline"
    replications: int = knob(10, 1, 100_000, "compare_regimes: runs per regime (common seeds)")
    executor: str = "processes"  # serial | processes | ray
    workers: int = knob(0, 0, 100_000, "processes/ray workers; 0 = all cores")
    ray_address: str | None = None  # None: start a local Ray; else e.g. 'auto' or 'ray://host:port'
    batch_size: int = knob(0, 0, 100_000, "runs per part file; 0 = automatic")
    batch: str = knob(
        "auto",
        doc="runs stepped together as one population (same config but the seed; results "
        "byte-identical): auto (small runs), off, or N runs per batch",
    )
    output_dir: str | None = None  # None: results/experiments/<name>-<fingerprint>
    resume: bool = True
    save_steps: bool = True
    progress: str = "auto"  # auto | bar | lines | none
    report: bool = True  # write the HTML report into the results folder at the end
    lang: str = "en"  # report language: en | zh
    static: list[str] = field(default_factory=list)  # also export figures: png, svg, pdf


@dataclass
class SweepConfig:
    """A design over levers (policy choices) and uncertainties (conditions nobody controls).

    Each entry maps a dotted config key to [lo, hi] (a range) or {values: [...]} / a list of
    other than two numbers (discrete choices)."""

    design: str = "lhs"  # grid | lhs | sobol | morris
    points: int = knob(64, 1, 10_000_000, "lhs: points; sobol: base N; morris: trajectories")
    levels: int = knob(5, 2, 1000, "grid: values per range")
    morris_levels: int = knob(4, 2, 1000, "morris: levels of the trajectory grid (even)")
    replications: int = knob(3, 1, 100_000, "runs per design point (common seeds)")
    levers: dict[str, Any] = field(default_factory=dict)
    uncertainties: dict[str, Any] = field(default_factory=dict)
    outcomes: list[str] = field(
        default_factory=lambda: ["initiative_rate", "error_rate", "misconduct_rate"]
    )
    maximise: list[str] = field(default_factory=lambda: ["initiative_rate"])
    minimise: list[str] = field(default_factory=lambda: ["error_rate", "misconduct_rate"])


@dataclass
class CadreConfig:
    seed: int = knob(0, 0, 2**63 - 1)
    steps: int = knob(120, 1, 1_000_000)
    summary_from: float = unit(
        0.5, "share of the run before the summary window starts (1: last step only)"
    )
    output_dir: str | None = None
    write: bool = True
    overwrite: bool = field(
        default=False,
        metadata={"doc": "a single run may replace another run's results in output_dir"},
    )
    population: PopulationConfig = field(default_factory=PopulationConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)


NETWORK_KINDS = ("hierarchy", "small_world", "scale_free", "file")


def _check_ranges(obj: Any, prefix: str) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(value):
            _check_ranges(value, key + ".")
            continue
        lo, hi = f.metadata.get("range", (None, None))
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key} = {value} is not a finite number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ConfigError(f"{key} = {value} is out of range; allowed {_range_text(lo, hi)}")


def _range_text(lo: float | None, hi: float | None) -> str:
    def show(x: float) -> str:
        return str(int(x)) if isinstance(x, int) else f"{x:g}"

    lo_s = "-inf" if lo is None else show(lo)
    hi_s = "inf" if hi is None else show(hi)
    return f"[{lo_s}, {hi_s}]"


def validate(cfg: CadreConfig) -> CadreConfig:
    """Check every range and cross-field rule; raise ConfigError naming the first bad key."""
    _check_ranges(cfg, "")
    pop = cfg.population
    total = sum(getattr(pop.mix, f.name) for f in fields(pop.mix))
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(f"population.mix sums to {total:.6g}; the six shares must sum to 1")
    for t in TYPES:
        sev = getattr(pop.severity, t)
        if not pop.threshold < sev < 1.0:
            raise ConfigError(
                f"population.severity.{t} = {sev} must lie in (threshold, 1) = "
                f"({pop.threshold:g}, 1)"
            )
    if not 0.0 < pop.background < pop.threshold:
        raise ConfigError(
            f"population.background = {pop.background} must lie in (0, threshold) = "
            f"(0, {pop.threshold:g})"
        )
    cuts = list(cfg.policy.accountability.grade_cuts)
    if len(cuts) != 3 or not all(
        0.0 <= a <= b <= 1.0 for a, b in zip([0.0, *cuts], [*cuts, 1.0], strict=True)
    ):
        raise ConfigError(
            f"policy.accountability.grade_cuts = {cuts} must be 3 increasing numbers in [0, 1]"
        )
    if cfg.network.kind not in NETWORK_KINDS:
        raise ConfigError(
            f"network.kind = {cfg.network.kind!r} is unknown; allowed {', '.join(NETWORK_KINDS)}"
        )
    if cfg.network.kind == "file" and not cfg.network.path:
        raise ConfigError("network.path is required when network.kind = 'file'")
    _check_choice("experiment.executor", cfg.experiment.executor, EXECUTORS)
    _check_choice("experiment.progress", cfg.experiment.progress, PROGRESS)
    _check_choice("experiment.lang", cfg.experiment.lang, ("en", "zh"))
    check_batch_setting(cfg.experiment.batch)
    for fmt in cfg.experiment.static:
        _check_choice("experiment.static", fmt, ("png", "svg", "pdf"))
    _check_choice("sweep.design", cfg.sweep.design, DESIGNS)
    from cadresim.policies.schedule import check_schedule  # noqa: PLC0415 (import cycle)

    check_schedule(cfg)
    return cfg


BATCH_MAX_RUNS = 1_000  # experiment.batch = N: at most this many runs per batch


def check_batch_setting(value: object) -> str:
    """`experiment.batch` as 'auto', 'off' or a number of runs; ConfigError naming the choices."""
    text = str(value).strip().lower()
    if text in ("auto", "off"):
        return text
    if text.isdigit() and 1 <= int(text) <= BATCH_MAX_RUNS:
        return str(int(text))
    raise ConfigError(
        f"experiment.batch = {value!r} is not valid; allowed auto, off or a whole number of "
        f"runs per batch in [1, {BATCH_MAX_RUNS}]"
    )


def _check_choice(key: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{key} = {value!r} is unknown; allowed {', '.join(allowed)}")


def to_config(cfg: CadreConfig | DictConfig | Mapping[str, Any]) -> CadreConfig:
    """Turn a DictConfig or a nested dict into a validated CadreConfig."""
    if isinstance(cfg, CadreConfig):
        return validate(cfg)
    schema = OmegaConf.structured(CadreConfig)
    if isinstance(cfg, DictConfig):
        # A composed config is already typed as CadreConfig, and a key added with `+key=value`
        # rides along silently; merging its plain contents makes the schema refuse such keys.
        cfg = OmegaConf.to_container(cfg, resolve=False)
    try:
        merged = OmegaConf.merge(schema, cfg)
        obj = OmegaConf.to_object(merged)
    except Exception as exc:  # omegaconf raises several types; all are bad input
        raise ConfigError(omegaconf_message(exc)) from None
    assert isinstance(obj, CadreConfig)
    return validate(obj)


# ---------------------------------------------------------------- messages for bad keys and types


def omegaconf_message(exc: BaseException, typed_key: str | None = None) -> str:
    """One line for an omegaconf error: an unknown key with the nearest valid keys, or a value of
    the wrong type with the expected type and range. `typed_key` is the key as the user wrote it."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    key = getattr(exc, "full_key", None) or None
    first = str(getattr(exc, "msg", None) or exc).strip().splitlines()[0]
    if key and isinstance(exc, ConfigAttributeError | ConfigKeyError):
        return unknown_key_message(typed_key or key)
    if key and isinstance(exc, ValidationError):
        return wrong_type_message(key, getattr(exc, "value", None), first)
    return f"{key}: {first}" if key else first


def unknown_key_message(key: str) -> str:
    """`key` is not in the schema: name the nearest valid keys and the keys allowed where it is."""
    known = _schema_nodes()
    parts = key.split(".")
    depth = 0  # the longest prefix of `key` that is a group of settings
    while depth < len(parts) - 1 and is_dataclass(known.get(".".join(parts[: depth + 1]))):
        depth += 1
    where = ".".join(parts[:depth])
    group = known[where] if where else CadreConfig
    allowed = ", ".join(f.name for f in fields(group))
    if depth == len(parts) - 1:  # the group exists: compare the last name with its keys
        names = difflib.get_close_matches(parts[-1], [f.name for f in fields(group)], n=3)
        near = [f"{where}.{x}" if where else x for x in names]
    else:  # a misspelt group: compare whole dotted keys of the same depth
        level = [k for k in known if k and k.count(".") == key.count(".")]
        near = difflib.get_close_matches(key, level, n=3)
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    scope = f"under {where}" if where else "at the top level"
    return f"{key} is not a config key{hint}; allowed {scope}: {allowed}"


def wrong_type_message(key: str, value: Any, detail: str = "") -> str:
    """`key` was given a value its field cannot hold: name the expected type and range."""
    found = _field_at(key)
    if found is None:
        return f"{key}: {detail}" if detail else f"{key} = {_show(value)} is not valid"
    tp, f = found
    shown = _show(value)
    if is_dataclass(tp):
        names = ", ".join(x.name for x in fields(tp))
        return (
            f"{key} is a group of settings, not a value (got {shown}); set one of its keys, "
            f"e.g. {key}.{fields(tp)[0].name}=...; allowed keys: {names}"
        )
    what, allowed = _type_text(tp)
    lo, hi = f.metadata.get("range", (None, None)) if f is not None else (None, None)
    if lo is not None or hi is not None:
        allowed = f"{allowed} in {_range_text(lo, hi)}"
    return f"{key} = {shown} is not {what}; allowed {allowed}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    return repr(value) if isinstance(value, str) else str(value)


def _type_text(tp: Any) -> tuple[str, str]:
    """(what the value is not, what is allowed) for a field type."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        what, allowed = _type_text(args[0])
        return what + " or null", allowed + " or null"
    origin = typing.get_origin(tp)
    if origin is list:
        inner = {float: "numbers", int: "integers", str: "names", bool: "true/false values"}
        return "a list", f"a list of {inner.get(args[0] if args else Any, 'values')}, e.g. [a,b]"
    if origin is dict:
        return "a mapping", "a mapping {key: value}"
    return {
        bool: ("true or false", "true, false"),
        int: ("an integer", "an integer"),
        float: ("a number", "a number"),
        str: ("text", "text"),
    }.get(tp, (getattr(tp, "__name__", str(tp)), getattr(tp, "__name__", str(tp))))


def _field_at(key: str) -> tuple[Any, Field | None] | None:
    """The type and dataclass field of a dotted key (`a.b[0]` is an item of list `a.b`)."""
    owner: Any = CadreConfig
    tp: Any = None
    f: Field | None = None
    for name in key.split("."):
        base, index = re.fullmatch(r"([^\[]*)((?:\[\d+\])*)", name).groups()
        if not is_dataclass(owner):
            return None
        hints = typing.get_type_hints(owner)
        f = next((x for x in fields(owner) if x.name == base), None)
        if f is None:
            return None
        tp = hints[base]
        for _ in range(index.count("[")):
            args = typing.get_args(tp)
            tp = args[0] if args else Any
        owner = tp
    return tp, f


def _schema_nodes(cls: Any = CadreConfig, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> field type, for every group and leaf of the schema ('' is the root)."""
    out: dict[str, Any] = {prefix: cls} if not prefix else {}
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        key = f"{prefix}{f.name}"
        out[key] = hints[f.name]
        if is_dataclass(hints[f.name]):
            out.update(_schema_nodes(hints[f.name], key + "."))
    return out


def load_config(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
) -> CadreConfig:
    """Compose `configs/config.yaml` with Hydra-style overrides, as the command line does.

    `overrides` is a list such as ``["policy=three_mechanisms", "population.size=500"]`` or a
    mapping ``{"policy": "three_mechanisms", "policy.tolerance.coverage": 0.8}``.
    """
    from .compose import compose_config  # avoids an import cycle

    if isinstance(overrides, Mapping):
        overrides = [f"{k}={_override_value(v)}" for k, v in overrides.items()]
    return to_config(compose_config(list(overrides or [])))


def _override_value(value: Any, nested: bool = False) -> str:
    """A value in Hydra's override grammar: lists and mappings (a policy.schedule) as [a,b] and
    {key:value}, with the strings inside them quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value) if nested else value
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_override_value(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_override_value(v, True) for v in value) + "]"
    return repr(value)


def flatten(cfg: CadreConfig, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value for every leaf of the config (parameter columns of result tables)."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if is_dataclass(value):
            out.update(flatten(value, f"{prefix}{f.name}."))
        else:
            out[f"{prefix}{f.name}"] = value
    return out
