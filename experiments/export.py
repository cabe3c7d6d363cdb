"""CSV or Excel copies of a results folder's tables, for people who do not read Parquet.

    cadresim export results/experiments/sweep-1a2b3c --format xlsx
    cadresim export results/runs/baseline-seed0-abc --format csv

An experiment writes them itself with `experiment.format=csv|xlsx`; this command does it for a
folder already on disk (a run's folder or an experiment's). Every table at the top of the folder
(runs, design, sensitivity, pareto, comparison, units, levels, ...) and the step table (an
experiment's steps/ parts joined, sorted by run and step) are written beside the Parquet files,
each through a temp file and a rename, so nothing on disk is ever half-replaced.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cadresim.model.formats import summary_table, table_writers

from . import store

EXPORT_FORMATS = ("csv", "xlsx")


class ExportError(ValueError):
    """The folder holds no results to export."""


def folder_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """name -> table for every result table of a run's or an experiment's folder."""
    tables: dict[str, pd.DataFrame] = {}
    steps = folder / "steps"
    if steps.is_dir() and any(steps.glob("*.parquet")):
        table = _read(steps, pd.read_parquet)
        order = [c for c in ("run_id", "step") if c in table.columns]
        tables["steps"] = table.sort_values(order, kind="stable").reset_index(drop=True)
    for path in sorted(folder.glob("*.parquet")):
        tables[path.stem] = _read(path, pd.read_parquet)
    summary = folder / "summary.json"
    if summary.is_file():
        tables["summary"] = _read(
            summary, lambda p: summary_table(json.loads(p.read_text(encoding="utf-8")))
        )
    return tables


def _read(path: Path, read: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """`read(path)`, or ExportError naming the file (a truncated or corrupt table, which
    pyarrow reports as ArrowInvalid, a ValueError) instead of a traceback."""
    try:
        return read(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        first = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
        raise ExportError(
            f"cannot read {path}: {first}; nothing was exported (an experiment's folder is "
            "repaired by running its command again: corrupt parts are set aside and rerun)"
        ) from None


def export_folder(folder: str | Path, fmt: str) -> list[Path]:
    """Write the folder's tables as `fmt` (csv or xlsx) beside them; return the files written."""
    folder = Path(folder)
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"--format {fmt!r} is unknown; allowed {', '.join(EXPORT_FORMATS)}")
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder")
    tables = folder_tables(folder)
    if not tables:
        raise ExportError(
            f"{folder} holds no results (no steps/, *.parquet or summary.json); give a run's "
            "or an experiment's results folder"
        )
    written = []
    for name, write in table_writers(tables, fmt).items():
        store.atomic_write(folder / name, write)
        written.append(folder / name)
    return written


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"cadresim: error: export: {message}", file=sys.stderr)
        raise SystemExit(2)


def export_main(argv: list[str]) -> int:
    """`cadresim export FOLDER --format csv|xlsx`; exit 2 on bad input."""
    p = _Parser(prog="cadresim export", description="Write a results folder's tables as CSV/Excel.")
    p.add_argument("folder", help="a run's or an experiment's results folder")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="csv or xlsx")
    args = p.parse_args(argv)
    try:
        written = export_folder(args.folder, args.format)
    except ExportError as exc:
        p.error(str(exc))
    except OSError as exc:  # a full disk: the files already there are left whole
        where = exc.filename or args.folder
        print(
            f"cadresim: error: export: cannot write {where}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    print(f"cadresim: exported {len(written)} file(s): {', '.join(str(w) for w in written)}")
    return 0


def register() -> None:
    """Make `cadresim export` a subcommand (cadresim.cli loads this module with its plugins)."""
    from cadresim import cli  # noqa: PLC0415

    cli.SUBCOMMANDS["export"] = export_main


register()

if __name__ == "__main__":
    sys.exit(export_main(sys.argv[1:]))
