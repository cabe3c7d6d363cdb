"""The line Ctrl+C prints: how many runs are saved, so the user knows what a rerun resumes.

An experiment's results folder records its planned run count in manifest.json ("runs") and
each finished batch's run ids in ledger.jsonl (experiments.store); this reads them back rather
than asking the experiment, which was interrupted mid-call. Runs this process executes itself
(a single run, a multirun of single runs) are counted by the caller.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOTS = (Path("results") / "experiments",)


def experiment_progress(since: float, roots: tuple[Path, ...] = ROOTS) -> tuple[int, int] | None:
    """(runs saved, runs planned) of the newest experiment folder whose manifest was written
    since `since` (a time.time()) and is still "running"; None if there is none."""
    newest: tuple[float, Path] | None = None
    for root in roots:
        if not root.is_dir():
            continue
        for manifest in root.glob("*/manifest.json"):
            try:
                mtime = manifest.stat().st_mtime
            except OSError:
                continue
            if mtime >= since - 1 and (newest is None or mtime > newest[0]):
                newest = (mtime, manifest.parent)
    if newest is None:
        return None
    return folder_progress(newest[1])


def folder_progress(folder: Path) -> tuple[int, int] | None:
    """(runs saved, runs planned) of one experiment folder, from its manifest and ledger."""
    from cadresim.experiments.store import read_ledger  # noqa: PLC0415

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        total = int(manifest["runs"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    done: set[int] = set()
    for entry in read_ledger(folder).values():
        done.update(int(i) for i in entry.get("run_ids", []))
    return len(done), total


def interrupted_line(since: float, own: list[int], folders: tuple[Path, ...] = ()) -> str:
    """`interrupted: N of M runs saved; rerun the same command to resume`. `own` is
    [saved, planned] of runs this process ran itself; an experiment folder's count wins."""
    found = None
    for folder in folders:
        found = folder_progress(folder) or found
    found = found or experiment_progress(since)
    saved, total = found if found is not None else (own[0], own[1])
    return f"interrupted: {saved} of {total} runs saved; rerun the same command to resume"
