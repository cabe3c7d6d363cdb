"""`cadresim validate [--quick] [--only NAME,...] [--lang en|zh] [--out DIR] ...`.

Prints one line per pattern (HOLDS / FAILS / ERROR, figure [95% CI], criterion); exit code 0 if
all hold, 1 if any fails, 2 on bad input (one `cadresim: error:` line, nothing run or written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cadresim import cli
from cadresim.model.config import EXECUTORS, ConfigError

if TYPE_CHECKING:
    from .suite import ValidationResult

EPILOG = "Patterns: {names}. See docs/VALIDATION.md."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        cli.fail(f"validate: {message}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be 0 (all cores) or more")
    return value


def parser() -> argparse.ArgumentParser:
    from .patterns import PATTERNS  # noqa: PLC0415

    p = _Parser(
        prog="cadresim validate",
        description="Check the model against stylised facts from the literature: each pattern "
        "runs a baseline and variants on common seeds and is judged HOLDS or FAILS with a 95% CI.",
        epilog=EPILOG.format(names=", ".join(PATTERNS)),
    )
    p.add_argument("--quick", action="store_true",
                   help="the CI tier: 6 replications (3 for long-horizon patterns)")  # fmt: skip
    p.add_argument("--only", metavar="NAME[,NAME]", default=None,
                   help="run only these patterns")  # fmt: skip
    p.add_argument("--lang", default="en", choices=("en", "zh"), help="report language")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="results folder (default results/validation/<tier>)")  # fmt: skip
    p.add_argument(
        "--replications",
        type=_positive,
        metavar="N",
        default=None,
        help="replications per pattern (long-horizon patterns keep their share)",
    )
    p.add_argument("--executor", default="processes", choices=EXECUTORS,
                   help="where runs go (default: processes on all cores)")  # fmt: skip
    p.add_argument("--workers", type=_count, default=0, metavar="N",
                   help="processes or Ray workers; 0 = all cores")  # fmt: skip
    p.add_argument("--seed", type=_count, default=0, metavar="N",
                   help="root seed of the replicate seeds")  # fmt: skip
    p.add_argument("--markdown", metavar="FILE", default=None,
                   help="also write the results as Markdown (docs/VALIDATION.md)")  # fmt: skip
    p.add_argument("--from", dest="source", metavar="DIR", default=None,
                   help="re-render the report (and --markdown) from DIR/validation.json "
                   "without running anything")  # fmt: skip
    return p


def validate_main(argv: list[str]) -> int:
    """Run (or re-render) the validation suite; print one line per pattern."""
    args = parser().parse_args(argv)
    from .report import terminal_lines  # noqa: PLC0415 (plotly: keeps `cadresim` startup fast)
    from .suite import validate  # noqa: PLC0415

    try:
        if args.source:
            result = _rerender(args)
        else:
            result = validate(
                args.quick, only=args.only, lang=args.lang, out=args.out,
                replications=args.replications, executor=args.executor, workers=args.workers,
                seed=args.seed, markdown=args.markdown,
            )  # fmt: skip
    except ConfigError as exc:
        cli.fail(str(exc))
    try:
        for line in terminal_lines(result, args.lang):
            print(line)
        if result.paths:
            print("written: " + ", ".join(str(p) for p in result.paths.values()))
        sys.stdout.flush()
    except BrokenPipeError:  # piped into `head`
        pass
    return result.exit_code


def _rerender(args: argparse.Namespace) -> ValidationResult:
    """The result stored in --from DIR, its report (and --markdown) written again."""
    from .report import write_markdown, write_report  # noqa: PLC0415
    from .suite import load  # noqa: PLC0415

    folder = Path(args.source)
    if not (folder / "validation.json").is_file():
        raise ConfigError(f"--from {args.source}: no validation.json in that folder")
    for flag in ("only", "replications"):
        if getattr(args, flag) is not None:
            raise ConfigError(f"--from re-renders a finished run; --{flag} cannot apply")
    result = load(folder)
    target = Path(args.out) if args.out else folder
    result.paths = {"html": write_report(result, target / f"report.{args.lang}.html", args.lang)}
    if args.markdown:
        result.paths["markdown"] = write_markdown(result, Path(args.markdown))
    return result


cli.SUBCOMMANDS["validate"] = validate_main
