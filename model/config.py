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


def labelled(label: str, knob_field: Any) -> Any:
    """A knob with a short English name for charts, the dashboard and reports (the `doc` says
    what it means; cadresim.vocabulary reads both)."""
    return field(
        default=knob_field.default,
        default_factory=knob_field.default_factory,
        metadata={**knob_field.metadata, "label": label},
    )


def unit(default: float, doc: str = "") -> Any:
    """A knob in [0, 1] (a probability or a share)."""
    return knob(default, 0.0, 1.0, doc)


def setting(default: Any, doc: str, choices: tuple[str, ...] = ()) -> Any:
    """A field without a numeric range (a switch, a name, a path), with its meaning for
    `cadresim help KEY` and, for a choice, the allowed values."""
    meta: dict[str, Any] = {"doc": doc}
    if choices:
        meta["choices"] = choices
    return field(default=default, metadata=meta)


def listing(factory: Any, doc: str) -> Any:
    """A list or mapping field with its meaning."""
    return field(default_factory=factory, metadata={"doc": doc})


# ---------------------------------------------------------------- population


@dataclass
class TypeMix:
    """Initial shares of the five deficit types and of proactive cadres; they must sum to 1."""

    unwilling: float = unit(0.12, "initial share of unwilling cadres (the six shares sum to 1)")
    unable: float = unit(0.14, "initial share of unable cadres (the six shares sum to 1)")
    afraid: float = unit(0.14, "initial share of afraid cadres (the six shares sum to 1)")
    reluctant: float = unit(0.12, "initial share of reluctant cadres (the six shares sum to 1)")
    fearful: float = unit(0.16, "initial share of fearful cadres (the six shares sum to 1)")
    proactive: float = unit(0.32, "initial share of proactive cadres (the six shares sum to 1)")


@dataclass
class Severity:
    """Mean level of each type's dominant deficit, in (threshold, 1)."""

    unwilling: float = unit(0.75, "mean dominant deficit of unwilling cadres, in (threshold, 1)")
    unable: float = unit(0.72, "mean dominant deficit of unable cadres, in (threshold, 1)")
    afraid: float = unit(0.75, "mean dominant deficit of afraid cadres, in (threshold, 1)")
    reluctant: float = unit(0.72, "mean dominant deficit of reluctant cadres, in (threshold, 1)")
    fearful: float = unit(0.78, "mean dominant deficit of fearful cadres, in (threshold, 1)")


@dataclass
class InitialBeliefs:
    sanction_risk: float = labelled(
        "Initial perceived sanction risk",
        unit(0.6, "perceived chance a detected honest error is sanctioned"),
    )
    inaction_risk: float = unit(0.05, "perceived chance inaction is caught and punished")
    reward: float = unit(0.3, "perceived chance a success is recognised")
    violation_risk: float = unit(0.7, "perceived chance a detected violation is punished")
    awareness: float = labelled(
        "Initial tolerance awareness",
        unit(0.2, "share of cadres who know the tolerance policy well"),
    )
    detection: float = unit(0.3, "perceived chance an error or violation is detected")
    career_risk: float = unit(0.3, "perceived chance that acting harms the career")
    doer_advantage: float = knob(
        0.0, -1.0, 1.0, "perceived career advantage of doers (excellent-rating gap)"
    )


@dataclass
class PopulationConfig:
    name: str = setting("default", "population preset name (shown in outputs)")
    description: str = setting(
        "Default mix: a third proactive, the rest spread over the five deficits.",
        "one-line description of the population preset",
    )
    size: int = knob(1000, 2, 10_000_000, "number of cadres")
    mix: TypeMix = field(default_factory=TypeMix)
    threshold: float = knob(0.5, 0.05, 0.95, "a deficit above this is dominant")
    severity: Severity = field(default_factory=Severity)
    background: float = knob(0.15, 0.0, 0.95, "mean of the non-dominant deficits")
    concentration: float = knob(12.0, 0.5, 1000.0, "Beta concentration; lower = wider spread")
    integrity: float = unit(0.85, "mean integrity")
    integrity_concentration: float = knob(
        20.0, 0.5, 1000.0, "Beta concentration of integrity; lower = wider spread"
    )
    beliefs: InitialBeliefs = field(default_factory=InitialBeliefs)


# ---------------------------------------------------------------- network


@dataclass
class NetworkConfig:
    name: str = setting("hierarchy", "network preset name (shown in outputs)")
    kind: str = setting(
        "hierarchy",
        "how the organisation is built",
        ("hierarchy", "small_world", "scale_free", "file"),
    )
    description: str = setting(
        "Organisational tree with peer ties inside units and a few across.",
        "one-line description of the network preset",
    )
    span: int = knob(6, 1, 1000, "span of control: subordinates per supervisor")
    levels: int = knob(3, 1, 64, "hierarchy depth: division heads, unit heads, reports")
    peer_prob: float = unit(0.5, "chance two members of a unit are tied")
    cross_ties: float = knob(0.5, 0.0, 50.0, "mean ties per cadre to other units")
    degree: int = knob(6, 2, 1000, "small_world: ring neighbours; scale_free: 2x attachment")
    rewire: float = unit(0.1, "small_world rewiring chance")
    unit_size: int = knob(8, 2, 100_000, "unit size where the network has no hierarchy")
    path: str | None = setting(None, "file: edge-list CSV or GraphML of your org chart")
    nodes_path: str | None = setting(None, "file: optional nodes CSV (id[,unit][,level])")
    allow_disconnected: bool = setting(False, "file: accept an org chart in several parts")
    node_steps: bool = setting(
        False, "file: also write nodes.parquet, one row per org-chart node and step"
    )


# ---------------------------------------------------------------- policy


@dataclass
class IncentiveConfig:
    """鼓励激励: honour, material and promotion rewards for doers."""

    enabled: bool = setting(True, "incentives on (off: no recognition or reward)")
    reward: float = labelled(
        "Reward value", knob(0.6, 0.0, 10.0, "value R of recognition (honour + material)")
    )
    recognition: float = labelled(
        "Recognition chance", unit(0.1, "chance a success is recognised at once")
    )
    excellence_quota: float = unit(0.35, "share of each unit rated excellent per cycle")
    promotion_weight: float = labelled(
        "Promotion weight of initiative",
        unit(
            0.3,
            "w: weight cadres give a success's promotion prospect (W gate); who is promoted "
            "is set by the evaluation score (policy.evaluation.orientation)",
        ),
    )
    promotion_value: float = knob(1.0, 0.0, 10.0, "value V of promotion to a cadre")


@dataclass
class AccountabilityConfig:
    """问责: detection, sanctions for errors, misconduct and inaction, 能上能下."""

    enabled: bool = setting(True, "accountability on (off: nothing is detected or sanctioned)")
    detection: float = labelled(
        "Detection chance", unit(0.3, "chance an error or a violation is detected")
    )
    error_sanction: float = labelled(
        "Sanction cost",
        knob(
            3.0, 0.0, 100.0, "personal cost S of a sanction for an honest error (as cadres fear it)"
        ),
    )
    career_cost: float = labelled(
        "Career cost of a sanction",
        knob(1.0, 0.0, 100.0, "career cost K of a harmed career record"),
    )
    grade_cuts: list[float] = listing(
        lambda: [0.6, 0.81, 0.89], "3 increasing cut points in [0, 1] of the 4 sanction grades"
    )
    misconduct_grade: int = knob(4, 1, 4, "sanction grade for a detected violation")
    inaction_detection: float = labelled(
        "Inaction detection", unit(0.05, "chance inaction is caught")
    )
    inaction_penalty: float = labelled(
        "Inaction penalty", knob(0.5, 0.0, 10.0, "personal cost S_idle of a caught inaction")
    )
    false_accusation: float = unit(0.0, "per-step chance a successful doer is falsely accused")
    demotion: bool = setting(True, "能上能下: demote cadres ranked bottom demotion_after times")
    bottom_share: float = unit(0.1, "share of each unit ranked bottom per cycle")
    demotion_after: int = knob(2, 1, 100, "consecutive bottom ranks before demotion")
    influence_period: int = knob(12, 0, 1000, "steps a heavy sanction blocks promotion")
    influence_from_grade: int = knob(2, 1, 4, "lowest grade that starts an influence period")


@dataclass
class ToleranceConfig:
    """容错纠错: exempting honest errors, screening them from violations, awareness, correction."""

    enabled: bool = setting(False, "容错纠错 on: honest errors can be exempted")
    coverage: float = labelled(
        "Tolerance coverage", unit(0.0, "share of honest errors that qualify for exemption")
    )
    screening: float = labelled(
        "Tolerance screening accuracy", unit(0.8, "chance a claim is judged correctly")
    )
    publicity: float = labelled(
        "Tolerance publicity", unit(0.0, "per-step chance an unaware cadre learns of the policy")
    )
    case_visibility: bool = setting(True, "exempted cases are seen by peers (and raise trust)")
    correction: bool = setting(True, "纠错: detected errors are corrected (damage recovered)")
    recovery: float = unit(0.5, "share of a detected error's damage recovered")
    correction_learning: float = unit(0.01, "competence gain from a corrected error")
    clarification: float = labelled(
        "Clarification chance", unit(0.0, "chance a false accusation is cleared (澄清正名)")
    )


@dataclass
class TrainingConfig:
    """教育培训: raises competence."""

    enabled: bool = setting(False, "教育培训 on: a share of cadres is trained each step")
    share: float = labelled("Training coverage", unit(0.0, "share of cadres trained per step"))
    rate: float = unit(0.05, "competence gain as a share of the gap to 1")
    targeted: bool = setting(False, "train the least competent first instead of at random")


@dataclass
class EducationConfig:
    """思想政治建设: motivation rises slowly toward a cap (the lever for the unwilling)."""

    enabled: bool = setting(False, "思想政治建设 on: motivation rises toward the cap")
    rate: float = labelled(
        "Education rate", unit(0.02, "monthly share of the gap to the cap closed")
    )
    cap: float = unit(0.75, "motivation that education can reach")


@dataclass
class EvaluationConfig:
    """The annual evaluation: its score is the promotion orientation (用人导向)."""

    cycle: int = knob(12, 1, 10_000, "steps per evaluation cycle")
    noise: float = knob(1.0, 0.0, 100.0, "sd of evaluation noise, in successes")
    orientation: float = labelled(
        "Promotion orientation",
        unit(
            0.0,
            "promotion orientation: 0 = 不出事 (failures weigh most), 1 = 担当 (initiative counts)",
        ),
    )
    protection: bool = labelled(
        "Career protection",
        setting(False, "career protection: exempted honest errors do not count on the record"),
    )


@dataclass
class CareersConfig:
    """Positions: leaders retire, the best-scored subordinate moves up, entrants fill the base."""

    enabled: bool = setting(True, "careers on: retirements, promotions and entrants")
    retirement: float = unit(0.1, "yearly share of leaders who retire")
    transfer: float = labelled(
        "Competence carried into promotion",
        unit(
            0.5,
            "competence transfer t into a new role (0 = Peter hypothesis, 1 = skills carry over)",
        ),
    )
    rotation: float = unit(0.0, "yearly share of cadres rotated across units (交流轮岗)")


@dataclass
class PolicyConfig:
    name: str = setting("baseline", "policy preset name (shown in outputs and run folders)")
    description: str = setting(
        "Status quo: accountability without tolerance, modest incentives.",
        "one-line description of the policy preset",
    )
    incentive: IncentiveConfig = field(default_factory=IncentiveConfig)
    accountability: AccountabilityConfig = field(default_factory=AccountabilityConfig)
    tolerance: ToleranceConfig = field(default_factory=ToleranceConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    education: EducationConfig = field(default_factory=EducationConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    careers: CareersConfig = field(default_factory=CareersConfig)
    # episodes {start, end, regime, set} switching the policy mid-run, checked and explained by
    # policies/schedule.py (list[Any], so a malformed episode gets its message, not omegaconf's)
    schedule: list[Any] = listing(
        list, "episodes [{start, end, regime, set}] switching the policy mid-run"
    )


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
    social_learning: bool = setting(True, "cadres also learn from their neighbours' cases")
    fear_sensitivity: float = unit(0.01, "phi: error-fear change per case seen")
    fear_decay: float = unit(0.05, "monthly pull of error fear back to its baseline f_0")
    practice: float = unit(0.002, "competence gain per initiative taken")
    warning_pressure: float = unit(0.5, "rise of perceived inaction risk after a warning")


EXECUTORS = ("serial", "processes", "ray")
DESIGNS = ("grid", "lhs", "sobol", "morris")
PROGRESS = ("auto", "bar", "lines", "none")
FORMATS = ("parquet", "csv", "xlsx")  # experiment.format: tables besides the parquet files


@dataclass
class ExperimentConfig:
    """How many runs, of what, where: the experiment layer (cadresim.experiments) reads these.

    `name` selects the runner: single, compare_regimes or sweep."""

    name: str = setting("single", "the runner: single, or an experiment kind (see cadresim --help)")
    description: str = setting(
        "One run of the chosen scenario.", "one-line description of the experiment preset"
    )
    regimes: list[str] = listing(
        lambda: ["baseline", "tolerance_only", "three_mechanisms"],
        "compare_regimes: the policy presets compared",
    )
    baseline: str = setting("baseline", "compare_regimes: the regime others are compared with")
    replications: int = knob(10, 1, 100_000, "compare_regimes: runs per regime (common seeds)")
    executor: str = setting("processes", "where runs execute", ("serial", "processes", "ray"))
    workers: int = knob(0, 0, 100_000, "processes/ray workers; 0 = all cores")
    ray_address: str | None = setting(
        None, "ray: null starts a local Ray; else e.g. 'auto' or 'ray://host:port'"
    )
    batch_size: int = knob(0, 0, 100_000, "runs per part file; 0 = automatic")
    batch: str = knob(
        "auto",
        doc="runs stepped together as one population (same config but the seed; results "
        "byte-identical): auto (small runs), off, or N runs per batch",
    )
    output_dir: str | None = setting(
        None, "results folder; null: results/experiments/<name>-<fingerprint>"
    )
    resume: bool = setting(True, "skip runs already saved in the results folder")
    save_steps: bool = setting(True, "keep every run's step table (steps/), not only summaries")
    progress: str = setting("auto", "progress display", ("auto", "bar", "lines", "none"))
    report: bool = setting(True, "write the HTML report into the results folder at the end")
    lang: str = setting("en", "report language", ("en", "zh"))
    static: list[str] = listing(list, "also export figures: a list of png, svg, pdf")
    dry_run: bool = setting(
        False, "print the run count and a time estimate from a short calibration; run nothing"
    )
    format: str = setting(
        "parquet", "also write the tables as csv or xlsx (parquet is always written)", FORMATS
    )
    allow_large: bool = setting(
        False,
        "run beyond the memory cap derived from this machine (half its memory; cadres x "
        "stored steps per run, runs at once, planned runs), knowingly",
    )
    posterior: str | None = setting(
        None,
        "a calibration's posterior.yaml: each run's behavioural constants are a posterior draw "
        "seeded by the run's seed",
    )


@dataclass
class SweepConfig:
    """A design over levers (policy choices) and uncertainties (conditions nobody controls).

    Each entry maps a dotted config key to [lo, hi] (a range) or {values: [...]} / a list of
    other than two numbers (discrete choices)."""

    design: str = setting("lhs", "sampling design", ("grid", "lhs", "sobol", "morris"))
    points: int = knob(
        64, 0, 10_000_000, "lhs: points; sobol: base N; morris: trajectories; 0 = by factors"
    )
    levels: int = knob(5, 2, 1000, "grid: values per range")
    morris_levels: int = knob(4, 2, 1000, "morris: levels of the trajectory grid (even)")
    replications: int = knob(3, 1, 100_000, "runs per design point (common seeds)")
    levers: dict[str, Any] = listing(dict, "policy keys -> [lo, hi] or {values: [...]}")
    uncertainties: dict[str, Any] = listing(
        dict, "condition keys nobody controls -> [lo, hi] or {values: [...]}"
    )
    outcomes: list[str] = listing(
        lambda: ["initiative_rate", "error_rate", "misconduct_rate"], "outcomes summarised"
    )
    maximise: list[str] = listing(lambda: ["initiative_rate"], "Pareto front: outcomes to raise")
    minimise: list[str] = listing(
        lambda: ["error_rate", "misconduct_rate"], "Pareto front: outcomes to lower"
    )
    max_points: int = knob(
        200_000, 1, 50_000_000, "refuse a design with more points (raise it to plan a larger one)"
    )


OPTIMISE_ALGORITHMS = ("auto", "nsga2", "nsga3")
ROBUSTNESS = ("mean", "percentile")


@dataclass
class OptimiseConfig:
    """Policy search (`cadresim optimise`): NSGA-II/III over the levers of `sweep.levers`, each
    candidate judged over scenarios drawn once from `sweep.uncertainties` (shared by all).

    Objectives are outcomes (model/metrics.py OUTCOMES) or `policy_cost`, priced by `costs`:
    a map of term name -> {unit_cost, keys, unit}; a term costs unit_cost x the product of the
    run config's values at `keys` (true/false count as 1/0). Constraints read like
    "misconduct_rate <= 0.05"."""

    algorithm: str = setting(
        "auto",
        "search algorithm (auto: NSGA-II, NSGA-III above 3 objectives)",
        ("auto", "nsga2", "nsga3"),
    )
    generations: int = knob(40, 1, 100_000, "generations of the search")
    population: int = knob(40, 4, 100_000, "candidates per generation")
    scenarios: int = knob(4, 1, 100_000, "uncertainty scenarios per candidate (shared)")
    replications: int = knob(1, 1, 10_000, "seeds per scenario (shared by all candidates)")
    robustness: str = setting(
        "mean",
        "how a candidate's runs are summed up (percentile: the worse tail)",
        ("mean", "percentile"),
    )
    percentile: float = knob(90.0, 50.0, 100.0, "robustness=percentile: which, worse tail")
    maximise: list[str] = listing(
        lambda: ["initiative_rate"], "outcomes to maximise (model/metrics.py OUTCOMES)"
    )
    minimise: list[str] = listing(
        lambda: ["misconduct_rate", "policy_cost"],
        "outcomes to minimise (OUTCOMES, or policy_cost priced by optimise.costs)",
    )
    constraints: list[str] = listing(list, 'caps on outcomes, e.g. "misconduct_rate <= 0.05"')
    costs: dict[str, Any] = listing(
        dict, "policy cost terms: name -> {unit_cost, keys, unit}; cost = unit_cost x values"
    )
    recommend: int = knob(5, 0, 10_000, "Pareto packages printed with their commands")


@dataclass
class CalibrateConfig:
    """`cadresim calibrate`: ABC-SMC fit of knobs to a locality's figures
    (experiments/calibration). `parameters` maps a dotted knob to its prior, [lo, hi] (uniform)
    or {dist: normal, mean, sd, low, high}; empty takes the targets file's."""

    targets: str = setting("seeds", "a packaged targets file by name, or a path to a YAML file")
    parameters: dict[str, Any] = listing(
        dict, "knob -> prior: [lo, hi] (uniform) or {dist: normal, mean, sd, low, high}"
    )
    particles: int = knob(100, 5, 1_000_000, "accepted particles per ABC-SMC generation")
    generations: int = knob(10, 1, 1000, "most ABC-SMC generations")
    max_simulations: int = knob(2000, 1, 10**9, "stop once this many simulations are done")
    min_epsilon: float = knob(0.0, 0.0, None, "stop once the threshold (in target sds) is this")
    predictive: int = knob(40, 0, 100_000, "posterior predictive runs for the fit diagnostics")


@dataclass
class CadreConfig:
    seed: int = knob(0, 0, 2**63 - 1, "seed of the run's random streams")
    steps: int = knob(120, 1, 1_000_000, "months simulated")
    summary_from: float = unit(
        0.5, "share of the run before the summary window starts (1: last step only)"
    )
    output_dir: str | None = setting(
        None, "a single run's results folder; null: results/runs/<policy>-seed<seed>-<hash>"
    )
    write: bool = setting(True, "write the step table and summary (false: print only)")
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
    optimise: OptimiseConfig = field(default_factory=OptimiseConfig)
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)


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
    _check_choice("experiment.format", cfg.experiment.format, FORMATS)
    check_batch_setting(cfg.experiment.batch)
    for fmt in cfg.experiment.static:
        _check_choice("experiment.static", fmt, ("png", "svg", "pdf"))
    _check_choice("sweep.design", cfg.sweep.design, DESIGNS)
    _check_choice("optimise.algorithm", cfg.optimise.algorithm, OPTIMISE_ALGORITHMS)
    _check_choice("optimise.robustness", cfg.optimise.robustness, ROBUSTNESS)
    from cadresim.policies.schedule import check_schedule  # noqa: PLC0415 (import cycle)

    check_schedule(cfg)
    from cadresim.safety import check_limits  # noqa: PLC0415 (import cycle)

    check_limits(cfg)  # memory estimate vs this machine, before any work
    if cfg.experiment.posterior:
        from cadresim.experiments.calibration.posterior import check_posterior  # noqa: PLC0415

        check_posterior(cfg.experiment.posterior)
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
    _refuse_resolvers(cfg)
    try:
        merged = OmegaConf.merge(schema, cfg)
        obj = OmegaConf.to_object(merged)
    except Exception as exc:  # omegaconf raises several types; all are bad input
        raise ConfigError(omegaconf_message(exc)) from None
    assert isinstance(obj, CadreConfig)
    return validate(obj)


def _refuse_resolvers(values: Any, path: str = "") -> None:
    """A nested dict from Python may not call an OmegaConf resolver (`${oc.env:HOME}`) either:
    as on the command line, nothing given reaches outside the config."""
    from cadresim.safety import RESOLVER  # noqa: PLC0415 (import cycle)

    if is_dataclass(values) and not isinstance(values, type):
        values = {f.name: getattr(values, f.name) for f in fields(values)}
    if isinstance(values, Mapping):
        for key, value in values.items():
            _refuse_resolvers(value, f"{path}.{key}" if path else str(key))
    elif isinstance(values, list | tuple):
        for i, value in enumerate(values):
            _refuse_resolvers(value, f"{path}[{i}]")
    elif isinstance(values, str) and RESOLVER.search(values):
        raise ConfigError(
            f"{path}: the value {values!r} uses an OmegaConf resolver (${{oc.…}}), which reads "
            "values from outside the config; give the value itself"
        )


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
    from .compose import fast_config  # avoids an import cycle

    if isinstance(overrides, Mapping):
        overrides = [f"{k}={_override_value(v)}" for k, v in overrides.items()]
    overrides = list(overrides or [])
    from cadresim.safety import check_overrides  # noqa: PLC0415 (import cycle)

    check_overrides(overrides)  # no ${oc.env:...} through the Python API either
    return fast_config(overrides)


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
