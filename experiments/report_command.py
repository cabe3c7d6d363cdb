"""`cadresim report <results folder> [--lang en|zh] [--static png,svg,pdf] [--out file]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cadresim import cli
from cadresim.model.config import CadreConfig

from .charts.export import FORMATS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        cli.fail(f"report: {message}")


def report_main(argv: list[str]) -> int:
    """Write the HTML report of a results folder; exit 2 on bad input."""
    from .report import (  # noqa: PLC0415 (keeps `cadresim` startup fast)
        ReportError,
        StaticExportFailed,
        write_report,
    )

    p = _Parser(
        prog="cadresim report", description="Write a one-file HTML report of a results folder."
    )
    p.add_argument(
        "folder", help="an experiment results folder (manifest.json, steps/, runs.parquet ...)"
    )
    p.add_argument("--lang", default="en", choices=("en", "zh"), help="report language")
    p.add_argument(
        "--static",
        default="",
        metavar="FORMATS",
        help=f"also export every figure; comma list of {','.join(FORMATS)}",
    )
    p.add_argument(
        "--out", default=None, help="HTML file to write (default: FOLDER/report.LANG.html)"
    )
    args = p.parse_args(argv)
    if args.out:  # every folder kind: never over another file, a folder or under a file
        from .report import check_target  # noqa: PLC0415

        try:
            check_target(Path(args.out), "--out")
        except ReportError as exc:
            cli.fail(str(exc))
    from .calibration.report import is_calibration  # noqa: PLC0415
    from .discover_report import is_discover_folder  # noqa: PLC0415
    from .optimise_report import is_optimise_folder  # noqa: PLC0415

    kinds = {"optimise": is_optimise_folder, "discover": is_discover_folder}
    kinds["calibrate"] = is_calibration
    kind = next((name for name, test in kinds.items() if test(args.folder)), None)
    if kind and args.static:  # said, not silently skipped
        cli.fail(
            f"--static: the report of a {kind} folder has no static figure export yet; drop "
            "--static (its charts are in the HTML report)"
        )
    if kind:  # these folder kinds have their own report
        path = _own_report(kind, args.folder, args.lang, args.out)
        print(f"cadresim: report written to {path}")
        return 0
    files: list[Path] = []
    try:
        path = write_report(
            args.folder, lang=args.lang, static=args.static, out=args.out, static_files=files
        )
    except StaticExportFailed as exc:
        print(f"cadresim: report written to {exc.report}")
        print(f"cadresim: error: static figures incomplete: {exc}", file=sys.stderr)
        return 1
    except (ReportError, ValueError) as exc:
        cli.fail(str(exc))
    print(f"cadresim: report written to {path}")
    for file in files:
        print(f"cadresim: figure written to {file}")
    return 0


def _own_report(kind: str, folder: str, lang: str, out: str | None) -> Path:
    if kind == "calibrate":
        from .calibration.report import write_calibration_report  # noqa: PLC0415

        return write_calibration_report(folder, lang, out)
    if kind == "optimise":
        from .optimise_report import write_optimise_report as write  # noqa: PLC0415
    else:
        from .discover_report import write_discover_report as write  # noqa: PLC0415
    try:
        return write(folder, lang=lang, out=out)
    except ValueError as exc:
        cli.fail(str(exc))
        raise  # unreachable: fail exits


def report_after_run(folder: str | Path, cfg: CadreConfig) -> Path:
    """The report an experiment writes at its end (`experiment.report`, `.lang`, `.static`)."""
    from .report import StaticExportFailed, write_report  # noqa: PLC0415

    try:
        return write_report(folder, lang=cfg.experiment.lang, static=tuple(cfg.experiment.static))
    except StaticExportFailed as exc:  # the results and the HTML are there; say what is not
        print(f"cadresim: warning: static figures incomplete: {exc}", file=sys.stderr)
        return exc.report


cli.SUBCOMMANDS["report"] = report_main
