"""Robust multi-objective policy search: which package of levers reaches the targets, at what cost.

    cadresim optimise                                   # the preset: 6 levers, 3 objectives
    cadresim optimise optimise.generations=10 optimise.population=20 population.size=500

The decision variables are `sweep.levers` (ranges or discrete values, checked as a sweep checks
them); `sweep.uncertainties` are the conditions nobody controls. `optimise.scenarios` scenarios
are drawn once (Latin hypercube, from the run's seed) and, with `optimise.replications` seeds,
shared by every candidate (common random numbers), so candidates differ by their levers, not by
luck. A candidate's objective is the mean of its runs, or a percentile of their worse tail
(`optimise.robustness`), as in EMA Workbench's robustness metrics. pymoo's NSGA-II (NSGA-III
above three objectives) proposes candidates; the project's executors run each generation.

Resuming: each generation's candidates and runs are written to generations/ before the search
goes on. pymoo's search is deterministic given its seed and the objective values it is told, so
rerunning the same command replays the finished generations from disk (checking that the
candidates proposed again are the ones stored) and continues where it stopped.

Folder: manifest.json, scenarios.parquet, generations/gen-NNNN.parquet (candidates) and
runs-NNNN.parquet (their runs), archive.parquet (every candidate), pareto.parquet/.csv (the
non-dominated feasible packages, each with the command that reruns it), constraints.json,
parallel.html and tradeoff.html.
"""

from __future__ import annotations

import copy
import json
import math
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from scipy.stats import qmc

from cadresim import cli
from cadresim.model.config import (
    CadreConfig,
    ConfigError,
    OptimiseConfig,
    validate,
)
from cadresim.model.metrics import OUTCOMES
from cadresim.model.versions import library_versions
from cadresim.safety import check_names, check_output, results_bytes

from . import store
from .costs import COST, CostTerm, describe, parse_costs, policy_cost
from .executors import cpu_count, execute
from .overrides import (
    as_list,
    base_config,
    compose_overrides,
    override_value,
    replay_overrides,
    twin_config,
)
from .runner import command_line
from .runs import Batch, RunSpec, apply_params, derived_overrides, replicate_seeds
from .space import Parameter, parse_space
from .sweep import check_points

SCENARIO_STREAM = 2  # SeedSequence([seed, 2]): the scenarios; [seed, 3]: pymoo's generator
SEARCH_STREAM = 3
LEVER_DIGITS = 4
GENERATIONS = "generations"
# optimise.* keys that say how to report, not what is searched: outside the fingerprint
NOT_THE_SEARCH = ("recommend",)
CONSTRAINT = re.compile(
    r"^\s*([A-Za-z_]\w*)\s*(<=|>=|<|>)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$"
)
OBJECTIVE_NAMES = (*OUTCOMES, COST)


@dataclass(frozen=True)
class Objective:
    name: str
    sense: str  # 'max' | 'min'

    @property
    def label(self) -> str:
        return f"{self.sense} {self.name}"


@dataclass(frozen=True)
class Constraint:
    outcome: str
    op: str  # <=, <, >=, >
    bound: float

    @property
    def text(self) -> str:
        return f"{self.outcome} {self.op} {self.bound:g}"

    @property
    def upper(self) -> bool:
        return self.op in ("<=", "<")

    def violation(self, value: np.ndarray) -> np.ndarray:
        """pymoo's inequality form: <= 0 where the constraint holds."""
        return value - self.bound if self.upper else self.bound - value


def parse_constraint(text: Any) -> Constraint:
    """'misconduct_rate <= 0.05' -> Constraint; ConfigError for anything else."""
    m = CONSTRAINT.match(str(text))
    if not m:
        raise ConfigError(
            f"optimise.constraints: {text!r} is not a constraint; write OUTCOME <= NUMBER or "
            "OUTCOME >= NUMBER, e.g. 'misconduct_rate <= 0.05'"
        )
    outcome, op, bound = m.group(1), m.group(2), float(m.group(3))
    if outcome not in OBJECTIVE_NAMES:
        raise ConfigError(
            f"optimise.constraints: {outcome!r} in {text!r} is not an outcome; known: "
            f"{', '.join(OBJECTIVE_NAMES)}"
        )
    return Constraint(outcome, op, bound)


@dataclass
class OptimisePlan:
    cfg: CadreConfig
    base: CadreConfig
    base_overrides: list[str]
    levers: list[Parameter]
    uncertainties: list[Parameter]
    objectives: list[Objective]
    constraints: list[Constraint]
    costs: list[CostTerm]
    scenarios: pd.DataFrame  # scenario + one column per uncertainty
    seeds: list[int]
    search_seed: int
    algorithm: str

    @property
    def scenario_params(self) -> list[tuple[tuple[str, Any], ...]]:
        keys = [p.key for p in self.uncertainties]
        rows = self.scenarios[keys].itertuples(index=False, name=None)
        return [tuple(zip(keys, _plain(row), strict=True)) for row in rows]

    def identity(self) -> dict[str, Any]:
        opt = {k: v for k, v in asdict(self.cfg.optimise).items() if k not in NOT_THE_SEARCH}
        return {
            "experiment": "optimise",
            "optimise": opt,
            "levers": [p.describe() for p in self.levers],
            "uncertainties": [p.describe() for p in self.uncertainties],
            "base": asdict(self.base),
            "seed": self.cfg.seed,
        }

    def describe(self) -> dict[str, Any]:
        o = self.cfg.optimise
        return {
            "algorithm": self.algorithm,
            "generations": o.generations,
            "population": o.population,
            "scenarios": len(self.scenarios),
            "replications": len(self.seeds),
            "robustness": o.robustness
            + (
                f" (percentile {o.percentile:g} of the worse tail)"
                if o.robustness != "mean"
                else ""
            ),
            "objectives": [ob.label for ob in self.objectives],
            "constraints": [c.text for c in self.constraints],
            "levers": [p.describe() for p in self.levers],
            "uncertainties": [p.describe() for p in self.uncertainties],
            "cost_model": describe(self.costs),
            "replicate_seeds": self.seeds,
            "search_seed": self.search_seed,
            "seed_rule": "scenarios: Latin hypercube from SeedSequence([seed, 2]); replicate "
            "seeds: SeedSequence(seed).spawn(replications); pymoo: SeedSequence([seed, 3])",
        }


def _stream_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def _plain(values: Iterable[Any]) -> list[Any]:
    return [v.item() if hasattr(v, "item") else v for v in values]


def _search_overrides(overrides: list[str]) -> list[str]:
    """The overrides that shape a run: optimise.* keys describe the search."""
    return [o for o in overrides if not o.split("=", 1)[0].lstrip("+~").startswith("optimise.")]


def plan_optimise(cfg: CadreConfig, overrides: list[str]) -> OptimisePlan:
    """Check everything and draw the scenarios; raises ConfigError before anything is written."""
    o = cfg.optimise
    objectives = [Objective(n, "max") for n in o.maximise] + [
        Objective(n, "min") for n in o.minimise
    ]
    for ob in objectives:
        if ob.name not in OBJECTIVE_NAMES:
            key = "maximise" if ob.sense == "max" else "minimise"
            raise ConfigError(
                f"optimise.{key}: {ob.name!r} is not an outcome; known: "
                f"{', '.join(OBJECTIVE_NAMES)}"
            )
    if not objectives:
        raise ConfigError("optimise.maximise and optimise.minimise are both empty")
    names = [ob.name for ob in objectives]
    if len(set(names)) < len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ConfigError(f"optimise: {dup} is listed twice among the objectives")
    constraints = [parse_constraint(c) for c in o.constraints]
    costs = parse_costs(cfg)
    if not costs and COST in names + [c.outcome for c in constraints]:
        raise ConfigError(
            f"optimise: {COST} needs a cost model in optimise.costs (see the optimise preset)"
        )
    params = parse_space(cfg)
    levers = [p for p in params if p.role == "lever"]
    uncertainties = [p for p in params if p.role == "uncertainty"]
    if not levers:
        raise ConfigError(
            "optimise: sweep.levers is empty; give the levers to search, e.g. "
            "sweep.levers.policy.tolerance.coverage=[0,1]"
        )
    algorithm = o.algorithm
    if algorithm == "auto":
        algorithm = "nsga3" if len(objectives) > 3 else "nsga2"
    n_scen = o.scenarios if uncertainties else 1
    if uncertainties:
        unit = qmc.LatinHypercube(
            d=len(uncertainties), rng=np.random.default_rng(_stream_seed(cfg.seed, SCENARIO_STREAM))
        ).random(n_scen)
        values = decode(uncertainties, unit)
    else:
        values = {}
    scenarios = pd.DataFrame({"scenario": np.arange(n_scen, dtype=np.int64), **values})
    run_ov = _search_overrides(overrides)
    base = base_config(compose_overrides(run_ov))
    base.optimise = OptimiseConfig()
    plan = OptimisePlan(
        cfg=cfg,
        base=base,
        base_overrides=replay_overrides(run_ov, base),
        levers=levers,
        uncertainties=uncertainties,
        objectives=objectives,
        constraints=constraints,
        costs=costs,
        scenarios=scenarios,
        seeds=replicate_seeds(cfg.seed, o.replications),
        search_seed=_stream_seed(cfg.seed, SEARCH_STREAM),
        algorithm=algorithm,
    )
    # every scenario with the levers all at their low and all at their high end is a valid run
    corners = []
    for u in (0.0, 1.0):
        lever_values = [(p.key, _plain(p.from_unit(np.array([u])))[0]) for p in levers]
        corners += [tuple(lever_values) + scen for scen in plan.scenario_params]
    check_points(base, corners)
    return plan


# ---------------------------------------------------------------- the results folder


def results_folder(plan: OptimisePlan, fp: str) -> tuple[Path, str]:
    if plan.cfg.experiment.output_dir:
        return Path(plan.cfg.experiment.output_dir), "experiment.output_dir"
    if plan.cfg.output_dir:
        return Path(plan.cfg.output_dir), "output_dir"
    return Path("results") / "experiments" / f"optimise-{fp}", "experiment.output_dir"


def _open_folder(plan: OptimisePlan, fp: str) -> Path:
    """Create or reopen the folder and take its lock; refuse another experiment's folder or a
    folder of other files. Every check happens before anything is written."""
    check_names(plan.cfg)
    folder, key = results_folder(plan, fp)
    o = plan.cfg.optimise
    runs = o.generations * o.population * len(plan.scenarios) * len(plan.seeds)
    check_output(folder, key, results_bytes(plan.base.steps, runs, save_steps=False))
    manifest = folder / store.MANIFEST
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        old_fp = old.get("fingerprint") if isinstance(old, dict) else None
        if old_fp != fp:
            raise ConfigError(
                f"{key} = {str(folder)!r} holds the results of a different experiment "
                f"(fingerprint {old_fp}, this one {fp}); choose another {key}"
            )
        if not plan.cfg.experiment.resume and _finished_generations(folder):
            raise ConfigError(
                f"{key} = {str(folder)!r} already holds generations of this search; set "
                f"experiment.resume=true to continue it, or choose another {key}"
            )
    elif folder.is_dir() and any(p.name[:1] != "." for p in folder.iterdir()):
        raise ConfigError(
            f"{key} = {str(folder)!r} holds other files; choose an empty or new folder"
        )
    try:
        (folder / GENERATIONS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{key} = {str(folder)!r} is not writable: {exc.strerror}") from None
    store.lock_folder(folder, key)
    return folder


def _finished_generations(folder: Path) -> list[Path]:
    return sorted((folder / GENERATIONS).glob("gen-*.parquet"))


def _gen_path(folder: Path, gen: int, kind: str = "gen") -> Path:
    return folder / GENERATIONS / f"{kind}-{gen:04d}.parquet"


def search_versions() -> dict[str, str]:
    """Versions a search's numbers depend on: the model's libraries and pymoo."""
    out = library_versions()
    try:
        out["pymoo"] = metadata.version("pymoo")
    except metadata.PackageNotFoundError:
        out["pymoo"] = "not installed"
    return out


def _write_manifest(folder: Path, plan: OptimisePlan, fp: str, status: str, **extra: Any) -> None:
    cfg = plan.cfg
    manifest = {
        "experiment": "optimise",
        "kind": "optimise",
        "description": cfg.experiment.description,
        "fingerprint": fp,
        "status": status,
        **extra,
        "design": plan.describe(),
        "base_overrides": plan.base_overrides,
        "base_config": asdict(plan.base),
        "config": asdict(cfg),
        "version": store.package_version(),
        "git_commit": store.git_commit(),
        "versions": search_versions(),
    }
    store.write_json(folder / store.MANIFEST, manifest)


# ---------------------------------------------------------------- evaluation


def _needed(plan: OptimisePlan) -> list[tuple[str, str, str]]:
    """(column, metric, tail) per aggregated column: 'high' takes the upper tail of a
    candidate's runs under robustness=percentile (bad for what is minimised)."""
    cols = [(ob.name, ob.name, "low" if ob.sense == "max" else "high") for ob in plan.objectives]
    for i, c in enumerate(plan.constraints):
        cols.append((f"constraint_{i}", c.outcome, "high" if c.upper else "low"))
    return cols


def _aggregate(plan: OptimisePlan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate: each objective and constraint over the candidate's runs."""
    o = plan.cfg.optimise
    grouped = runs.groupby("candidate", sort=True)
    out = pd.DataFrame(index=sorted(runs["candidate"].unique()))
    for col, metric, tail in _needed(plan):
        if o.robustness == "mean":
            out[col] = grouped[metric].mean()
        else:
            q = o.percentile if tail == "high" else 100.0 - o.percentile
            out[col] = grouped[metric].quantile(q / 100.0)
    return out


def _objective_matrices(plan: OptimisePlan, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """pymoo's F (all minimised) and G (<= 0 where a constraint holds)."""
    F = np.column_stack(
        [
            -table[ob.name].to_numpy(float) if ob.sense == "max" else table[ob.name].to_numpy(float)
            for ob in plan.objectives
        ]
    )
    G = np.column_stack(
        [
            c.violation(table[f"constraint_{i}"].to_numpy(float))
            for i, c in enumerate(plan.constraints)
        ]
        or [np.zeros(len(table))]
    )
    return F, G


class RunsFailed(RuntimeError):
    """Runs of a generation failed: the generation is not checkpointed; rerun to retry."""


def evaluate_generation(
    plan: OptimisePlan, gen: int, X: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every candidate of X (rows in [0, 1]^levers) over the shared scenarios and seeds;
    return (candidates table, runs table)."""
    ex = plan.cfg.experiment
    lever_values = decode(plan.levers, X)
    keys = [p.key for p in plan.levers]
    regime = plan.base.policy.name
    scen = plan.scenario_params
    S, R = len(scen), len(plan.seeds)
    specs: list[RunSpec] = []
    costs: dict[int, float] = {}
    for c in range(len(X)):
        levers = tuple((k, lever_values[k][c]) for k in keys)
        for s, scenario in enumerate(scen):
            params = levers + scenario
            if plan.costs:
                cfg = copy.deepcopy(plan.base)
                apply_params(cfg, params)
                cost = policy_cost(plan.costs, cfg)
            else:
                cost = 0.0
            for r, seed in enumerate(plan.seeds):
                run_id = (c * S + s) * R + r
                costs[run_id] = cost
                specs.append(RunSpec(run_id, regime, r, seed, point_id=c, params=params))
    workers = ex.workers or cpu_count()
    size = ex.batch_size or max(1, math.ceil(len(specs) / (4 * max(1, workers))))
    batches = [
        Batch(f"gen-{gen:04d}-{i:05d}", {regime: plan.base}, specs[i : i + size], save_steps=False)
        for i in range(0, len(specs), size)
    ]
    rows: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    for result in execute(batches, ex.executor, ex.workers, ex.ray_address):
        if result.runs is not None:
            rows.append(result.runs[result.runs["grouping"] == "all"])
        failures.extend(result.failures)
    if failures:
        first = failures[0]
        raise RunsFailed(
            f"{len(failures)} run(s) of generation {gen} failed, e.g. candidate "
            f"{first.get('point_id')} (seed {first['seed']}): {first['error']}; the finished "
            "generations are kept: run the same command again to retry"
        )
    runs = pd.concat(rows, ignore_index=True).sort_values("run_id", kind="stable")
    runs = runs.rename(columns={"point_id": "candidate"})
    runs.insert(0, "generation", gen)
    runs.insert(2, "scenario", (runs["run_id"] // R) % S)
    runs[COST] = runs["run_id"].map(costs)
    metrics = sorted({m for _, m, _ in _needed(plan)})
    ids = ["generation", "candidate", "scenario", "replicate", "seed", "run_id"]
    runs = runs[ids + keys + [p.key for p in plan.uncertainties] + metrics].reset_index(drop=True)
    table = _candidates(plan, gen, X, lever_values, _aggregate(plan, runs))
    return table, runs


def decode(levers: list[Parameter], X: np.ndarray) -> dict[str, list[Any]]:
    """Parameter values of the unit points X (candidates' levers, scenarios' uncertainties);
    ranges are rounded to LEVER_DIGITS decimals, so a package's command line is short and runs
    exactly what was evaluated."""
    out = {}
    for i, p in enumerate(levers):
        values = _plain(p.from_unit(X[:, i]))
        out[p.key] = [round(v, LEVER_DIGITS) if isinstance(v, float) else v for v in values]
    return out


def _candidates(
    plan: OptimisePlan,
    gen: int,
    X: np.ndarray,
    lever_values: dict[str, list[Any]],
    agg: pd.DataFrame,
) -> pd.DataFrame:
    table = pd.DataFrame({"generation": gen, "candidate": np.arange(len(X), dtype=np.int64)})
    for i in range(X.shape[1]):
        table[f"u{i}"] = X[:, i]
    for key, values in lever_values.items():
        table[key] = values
    agg = agg.reindex(table["candidate"]).reset_index(drop=True)
    for col in agg.columns:
        table[col] = agg[col].to_numpy()
    _, G = _objective_matrices(plan, table)
    table["violation"] = np.clip(G, 0.0, None).sum(axis=1)
    table["feasible"] = table["violation"] <= 0.0
    return table


# ---------------------------------------------------------------- the search


@dataclass
class OptimiseResult:
    plan: OptimisePlan
    folder: Path
    archive: pd.DataFrame  # every candidate of every generation
    pareto: pd.DataFrame  # non-dominated feasible packages (or least infeasible, flagged)
    constraints: list[dict[str, Any]]
    generations_run: int  # evaluated now (the rest replayed from the folder)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return bool(self.pareto["feasible"].all()) if not self.pareto.empty else False


def _algorithm(plan: OptimisePlan) -> Any:
    from pymoo.algorithms.moo.nsga2 import NSGA2  # noqa: PLC0415 (pymoo loads in ~1 s)

    pop = plan.cfg.optimise.population
    if plan.algorithm == "nsga2":
        return NSGA2(pop_size=pop)
    from pymoo.algorithms.moo.nsga3 import NSGA3  # noqa: PLC0415
    from pymoo.util.ref_dirs import get_reference_directions  # noqa: PLC0415

    m, parts = len(plan.objectives), 1
    while math.comb(parts + 1 + m - 1, m - 1) <= pop:
        parts += 1
    ref_dirs = get_reference_directions("das-dennis", m, n_partitions=parts)
    return NSGA3(ref_dirs=ref_dirs, pop_size=pop)


def run_optimise(cfg: CadreConfig, overrides: list[str]) -> OptimiseResult:
    """Plan, open the folder, search (replaying finished generations), write the results."""
    plan = plan_optimise(cfg, overrides)
    fp = store.fingerprint(plan.identity())
    folder = _open_folder(plan, fp)
    try:
        _write_manifest(folder, plan, fp, status="running")
        store.write_parquet(folder / "scenarios.parquet", plan.scenarios)
        tables, ran = _search(plan, folder)
        result = _finish(plan, folder, tables, ran)
        _write_manifest(
            folder,
            plan,
            fp,
            status="complete",
            generations=len(tables),
            candidates=len(result.archive),
            pareto_packages=len(result.pareto),
        )
        return result
    finally:
        store.unlock_folder(folder)


def _search(plan: OptimisePlan, folder: Path) -> tuple[list[pd.DataFrame], int]:
    from pymoo.core.evaluator import Evaluator  # noqa: PLC0415
    from pymoo.core.problem import Problem  # noqa: PLC0415
    from pymoo.problems.static import StaticProblem  # noqa: PLC0415

    o = plan.cfg.optimise
    problem = Problem(
        n_var=len(plan.levers),
        n_obj=len(plan.objectives),
        n_ieq_constr=len(plan.constraints),
        xl=0.0,
        xu=1.0,
    )
    algorithm = _algorithm(plan)
    algorithm.setup(problem, termination=("n_gen", o.generations), seed=plan.search_seed)
    tables: list[pd.DataFrame] = []
    ran = 0
    quiet = plan.cfg.experiment.progress == "none"
    for gen in range(o.generations):
        pop = algorithm.ask()
        X = np.asarray(pop.get("X"), dtype=float)
        path = _gen_path(folder, gen)
        started = time.perf_counter()
        if path.exists():
            table = pd.read_parquet(path)
            stored = table[[f"u{i}" for i in range(X.shape[1])]].to_numpy(float)
            if stored.shape != X.shape or not np.array_equal(stored, X):
                raise ConfigError(
                    f"{path}: the candidates stored for generation {gen} are not the ones the "
                    "search proposes again (another pymoo version?); choose another "
                    "experiment.output_dir"
                )
            how = "replayed from the folder"
        else:
            table, runs = evaluate_generation(plan, gen, X)
            store.write_parquet(_gen_path(folder, gen, "runs"), runs)
            store.write_parquet(path, table)  # written last: marks the generation done
            ran += 1
            how = f"{len(runs)} runs in {time.perf_counter() - started:.1f} s"
        F, G = _objective_matrices(plan, table)
        static = (
            StaticProblem(problem, F=F, G=G) if plan.constraints else StaticProblem(problem, F=F)
        )
        Evaluator().eval(static, pop)
        algorithm.tell(infills=pop)
        tables.append(table)
        if not quiet:
            best = plan.objectives[0]
            col = table[best.name]
            value = col.max() if best.sense == "max" else col.min()
            print(
                f"optimise: generation {gen + 1}/{o.generations}: {len(table)} candidates, "
                f"{int(table['feasible'].sum())} feasible, best {best.name} {value:.4g} ({how})",
                file=sys.stderr,
                flush=True,
            )
    return tables, ran


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of F (all minimised) that no other row dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting  # noqa: PLC0415

    if len(F) == 0:
        return np.zeros(0, dtype=int)
    return np.sort(NonDominatedSorting().do(F, only_non_dominated_front=True))


def _finish(
    plan: OptimisePlan, folder: Path, tables: list[pd.DataFrame], ran: int
) -> OptimiseResult:
    keys = [p.key for p in plan.levers]
    archive = pd.concat(tables, ignore_index=True)
    unique = archive.drop_duplicates(subset=keys, keep="first").reset_index(drop=True)
    feasible = unique[unique["feasible"]]
    pool = (
        feasible if not feasible.empty else unique[unique["violation"] == unique["violation"].min()]
    )
    F, _ = _objective_matrices(plan, pool)
    front = pool.iloc[non_dominated(F)].copy()
    first = plan.objectives[0]
    front = front.sort_values(first.name, ascending=first.sense == "min", kind="stable")
    front.insert(0, "package", np.arange(1, len(front) + 1, dtype=np.int64))
    front["command"] = [package_command(plan, row) for row in front.to_dict("records")]
    front = front.drop(columns=[c for c in front.columns if re.fullmatch(r"u\d+", c)])
    front = front.reset_index(drop=True)
    F, _ = _objective_matrices(plan, front)
    picked = spread(F, plan.cfg.optimise.recommend)
    front.insert(1, "recommended", 0)
    front.loc[picked, "recommended"] = np.arange(1, len(picked) + 1)
    report = constraint_report(plan, unique)
    store.write_parquet(folder / "archive.parquet", archive)
    store.write_parquet(folder / "pareto.parquet", front)
    store.atomic_write(folder / "pareto.csv", lambda f: front.to_csv(f, index=False))
    store.write_json(folder / "constraints.json", report)
    from .optimise_report import write_charts  # noqa: PLC0415

    write_charts(folder, plan_summary(plan), archive, front)
    return OptimiseResult(plan, folder, archive, front, report, ran, {"pareto": front})


def spread(F: np.ndarray, k: int) -> list[int]:
    """k rows of F spread over the front: the best row for each objective first, then
    repeatedly the row farthest from those chosen (objectives scaled to [0, 1]). A front of
    many near-identical packages is then shown by its distinct choices, not its top k."""
    n = len(F)
    if n == 0 or k <= 0:
        return []
    span = F.max(axis=0) - F.min(axis=0)
    Z = (F - F.min(axis=0)) / np.where(span > 0, span, 1.0)
    chosen: list[int] = []
    for j in range(F.shape[1]):
        best = int(np.argmin(Z[:, j]))
        if best not in chosen and len(chosen) < k:
            chosen.append(best)
    while len(chosen) < min(k, n):
        dist = np.min(np.linalg.norm(Z[:, None, :] - Z[None, chosen, :], axis=2), axis=1)
        dist[chosen] = -1.0
        chosen.append(int(np.argmax(dist)))
    return chosen


def plan_summary(plan: OptimisePlan) -> dict[str, Any]:
    """What the charts and the report need to know of a plan (also read back from a folder)."""
    return {
        "levers": [p.key for p in plan.levers],
        "objectives": [asdict(ob) for ob in plan.objectives],
        "constraints": [c.text for c in plan.constraints],
    }


def constraint_report(plan: OptimisePlan, candidates: pd.DataFrame) -> list[dict[str, Any]]:
    """Per constraint: how many distinct candidates met it, and the best value reached."""
    out = []
    for i, c in enumerate(plan.constraints):
        values = candidates[f"constraint_{i}"].to_numpy(float)
        met = int((c.violation(values) <= 0).sum())
        best = float(values.min() if c.upper else values.max())
        out.append({"constraint": c.text, "met_by": met, "of": len(values), "best": best})
    return out


def package_command(plan: OptimisePlan, row: Mapping[str, Any]) -> str:
    """The `cadresim` line that runs this package in scenario 0 with the first seed (one of the
    runs its robust figures average)."""
    params = [(p.key, row[p.key]) for p in plan.levers] + list(plan.scenario_params[0])
    params = [(k, v.item() if hasattr(v, "item") else v) for k, v in params]
    params += derived_overrides(plan.base, params)
    parts = [*plan.base_overrides, *(f"{k}={override_value(v)}" for k, v in params)]
    return command_line([*parts, f"seed={plan.seeds[0]}"])


def format_result(result: OptimiseResult) -> str:
    plan, front = result.plan, result.pareto
    o = plan.cfg.optimise
    d = plan.describe()
    lines = [
        f"optimise: {plan.algorithm.upper()}, {len(plan.levers)} levers, "
        f"{len(plan.objectives)} objectives ({', '.join(d['objectives'])}), "
        f"{o.generations} generations x {o.population} candidates x {len(plan.scenarios)} "
        f"scenarios x {len(plan.seeds)} seeds; robustness: {d['robustness']}",
    ]
    for c in result.constraints:
        if c["met_by"] == 0:
            lines.append(
                f"constraint {c['constraint']!r}: met by no candidate (best {c['best']:.4g}); "
                "the packages below are the least infeasible, not feasible"
            )
        else:
            lines.append(
                f"constraint {c['constraint']!r}: met by {c['met_by']} of {c['of']} candidates"
            )
    rec = front[front["recommended"] > 0].sort_values("recommended")
    lines.append(
        f"Pareto set: {len(front)} packages of {len(result.archive)} candidates evaluated "
        f"(pareto.csv); {len(rec)} recommended, spread over the front (the best for each "
        "objective, then the most different):"
    )
    shown = [p.key for p in plan.levers] + [ob.name for ob in plan.objectives]
    view = rec[["package", *shown]].rename(columns=lambda c: c.rsplit(".", 1)[-1])
    lines.append(view.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    for row in rec.to_dict("records"):
        lines.append(f"package {row['package']}: {row['command']}")
    return "\n".join(lines)


# ---------------------------------------------------------------- entry points


def optimise(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    levers: Mapping[str, Any] | None = None,
    uncertainties: Mapping[str, Any] | None = None,
    **settings: Any,
) -> OptimiseResult:
    """Python twin of `cadresim optimise ...`. `levers`/`uncertainties` replace the preset's
    (dotted key -> [lo, hi] or {"values": [...]}); other keyword arguments set `optimise.*` keys
    (generations, population, maximise, constraints, costs, ...) or, failing that,
    `experiment.*` keys (executor, workers, output_dir, ...)."""
    ov = ["experiment=optimise", *as_list(overrides)]
    cfg = twin_config(ov, "optimise", levers, uncertainties, settings)
    return run_optimise(validate(cfg), ov)


def optimise_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    """`cadresim experiment=optimise ...` (Hydra has composed and validated cfg)."""
    from .overrides import task_overrides  # noqa: PLC0415

    try:
        result = run_optimise(cfg, task_overrides())
    except RunsFailed as exc:
        print(f"cadresim: {exc}", file=sys.stderr)
        return 1
    print(format_result(result))
    print(f"results: {result.folder}  ({result.generations_run} generations run now)")
    if cfg.experiment.report:
        from .optimise_report import write_optimise_report  # noqa: PLC0415

        print(f"report:  {write_optimise_report(result.folder, lang=cfg.experiment.lang)}")
    return 0


def optimise_main(argv: list[str]) -> int:
    """`cadresim optimise ARGS` = `cadresim experiment=optimise ARGS`."""
    if not any(a.split("=", 1)[0] == "experiment" for a in argv):
        argv = ["experiment=optimise", *argv]
    return cli.main(argv)


def _dry_run_plan(cfg: CadreConfig, overrides: list[str]) -> tuple[int, CadreConfig]:
    """(run count, a first run's config) for `experiment.dry_run=true`: every generation's
    candidates over the shared scenarios and seeds; the first run is the base in scenario 0."""
    plan = plan_optimise(cfg, overrides)
    o = cfg.optimise
    first = copy.deepcopy(plan.base)
    apply_params(first, plan.scenario_params[0] if plan.scenario_params else ())
    first.seed = plan.seeds[0]
    return o.generations * o.population * len(plan.scenarios) * len(plan.seeds), first


cli.EXPERIMENTS["optimise"] = optimise_command
cli.EXPERIMENT_PLANS["optimise"] = _dry_run_plan
cli.SUBCOMMANDS["optimise"] = optimise_main
