"""`validate()`: run the chosen patterns on one tier and judge them; the result and its files."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cadresim.model.config import EXECUTORS, ConfigError
from cadresim.model.versions import library_versions

from .. import store
from ..executors import cpu_count
from . import runner
from .base import TIERS, Pattern, PatternResult, Tier
from .patterns import PATTERNS

EXIT_ALL_HOLD, EXIT_SOME_FAIL = 0, 1


@dataclass
class ValidationResult:
    """The judged patterns of one tier, with what ran them and where the files went."""

    tier: Tier
    patterns: list[PatternResult]
    seed: int = 0
    seeds: list[int] = field(default_factory=list)
    executor: str = "processes"
    workers: int = 0
    runs: int = 0
    seconds: float = 0.0
    generated: str = ""
    version: str = ""
    git_commit: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def all_hold(self) -> bool:
        return bool(self.patterns) and all(p.holds for p in self.patterns)

    @property
    def exit_code(self) -> int:
        return EXIT_ALL_HOLD if self.all_hold else EXIT_SOME_FAIL

    def __getitem__(self, name: str) -> PatternResult:
        for p in self.patterns:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per pattern x measure (validation.parquet)."""
        from .report import measures_frame  # noqa: PLC0415

        return measures_frame(self)


def select(only: str | Iterable[str] | None, registry: dict[str, Pattern]) -> list[Pattern]:
    """The patterns named in `only` (comma list or names), in report order; all if None."""
    if only is None or only == "" or only == []:
        return list(registry.values())
    names = [s.strip() for s in (only.split(",") if isinstance(only, str) else only)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in registry]
    if unknown or not names:
        raise ConfigError(
            f"--only {','.join(unknown) or '(empty)'}: unknown pattern; known: "
            + ", ".join(registry)
        )
    return [p for n, p in registry.items() if n in names]


def validate(
    quick: bool = False,
    *,
    only: str | Iterable[str] | None = None,
    lang: str = "en",
    out: str | Path | None = None,
    replications: int | None = None,
    executor: str = "processes",
    workers: int = 0,
    seed: int = 0,
    write: bool = True,
    markdown: str | Path | None = None,
    progress: str = "auto",
    patterns: Sequence[Pattern] | None = None,
    tier: Tier | None = None,
) -> ValidationResult:
    """Run the validation suite and judge every pattern (HOLDS / FAILS / ERROR).

    quick: the CI tier (6 replications, 3 for the long-horizon patterns); else the full tier
    (1,000 cadres, 120 months, 10 replications; long-horizon patterns fewer). `only` names
    patterns (see PATTERNS); `replications` scales every pattern's count (long-horizon ones keep
    their smaller share). Files go to `out` (default results/validation/<tier>) unless
    write=False: validation.json, validation.parquet, report.<lang>.html, and `markdown` if
    given. Raises ConfigError on bad input, before anything runs."""
    from .report import check_lang, write_markdown, write_outputs  # noqa: PLC0415

    check_lang(lang)
    if executor not in EXECUTORS:
        raise ConfigError(f"--executor {executor}: unknown; allowed {', '.join(EXECUTORS)}")
    if replications is not None and replications < 1:
        raise ConfigError(f"--replications {replications}: must be at least 1")
    if workers < 0:
        raise ConfigError(f"--workers {workers}: must be 0 (all cores) or more")
    chosen = list(patterns) if patterns is not None else select(only, PATTERNS)
    if patterns is not None and only is not None:
        chosen = select(only, {p.name: p for p in patterns})
    level = (tier or TIERS["quick" if quick else "full"]).scaled(replications)
    folder = Path(out) if out else Path("results") / "validation" / level.name
    start = time.perf_counter()
    plan = runner.plan(chosen, level, seed)
    outcome = runner.run(plan, executor, workers, progress)
    judged = runner.judge(chosen, plan, outcome)
    result = ValidationResult(
        tier=level,
        patterns=judged,
        seed=seed,
        seeds=plan.seeds,
        executor=executor,
        workers=workers or (cpu_count() if executor != "serial" else 1),
        runs=plan.runs,
        seconds=time.perf_counter() - start,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=store.package_version(),
        git_commit=_commit(),
        versions=library_versions(),
    )
    if write:
        result.paths = write_outputs(result, folder, lang)
    if markdown:
        result.paths["markdown"] = write_markdown(result, Path(markdown))
    return result


def load(folder: str | Path) -> ValidationResult:
    """A ValidationResult read back from a folder's validation.json (to re-render reports)."""
    from .report import from_json  # noqa: PLC0415

    return from_json(Path(folder) / "validation.json")


def _commit() -> str | None:
    """HEAD, with '+dirty' when the package's working tree has uncommitted changes (the figures
    then come from code no commit holds)."""
    commit = store.git_commit()
    if commit is None:
        return None
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return commit
    return commit + "+dirty" if out.returncode == 0 and out.stdout.strip() else commit
