"""The results folder of one experiment: manifest, part files, resume ledger, final tables.

    <folder>/manifest.json         what was asked (config, design, seeds), versions, git commit
    <folder>/steps/part-*.parquet  step rows of each batch of runs
    <folder>/runs/part-*.parquet   summary rows of each batch: the ledger of finished runs
    <folder>/runs.parquet, ...     assembled tables

Every file is written to a hidden temp file and renamed, so an interrupted experiment leaves
only whole parts; a batch counts as done once its runs part exists (written after its steps
part). A part is never replaced: a retried batch gets a new name (`part_name`) and the final
link fails rather than overwrite finished runs. The manifest's fingerprint guards a folder
against a different experiment; library versions are recorded beside it, outside it, so an
upgrade does not block resuming.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from cadresim.model.config import ConfigError
from cadresim.model.versions import library_versions

MANIFEST = "manifest.json"


def atomic_write(path: Path, write: Callable[[str], Any], replace: bool = True) -> None:
    """Write via a hidden temp file in the same folder, then rename it to `path`. With
    replace=False an existing `path` is kept and FileExistsError raised (parts of runs)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        if replace:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _link_new(tmp: str, path: Path) -> None:
    """Give `tmp` the name `path` only if no file has it (a hard link is atomic about that)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} exists; a finished part is never replaced") from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists():
            raise FileExistsError(f"{path} exists; a finished part is never replaced") from None
        os.replace(tmp, path)


def write_parquet(path: Path, table: pd.DataFrame, replace: bool = True) -> None:
    atomic_write(path, lambda f: table.to_parquet(f, index=False), replace)


def part_name(folder: Path, first_run: int) -> str:
    """A part name no file in steps/ or runs/ has: part-<first run of the batch>.parquet, else
    with -1, -2, ... appended (a batch retried after failures must not take its old name)."""
    for attempt in itertools.count():
        suffix = f"-{attempt}" if attempt else ""
        name = f"part-{first_run:07d}{suffix}.parquet"
        if not any((folder / sub / name).exists() for sub in ("steps", "runs")):
            return name
    raise AssertionError("unreachable")


def write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write(path, lambda f: Path(f).write_text(text, encoding="utf-8"))


def fingerprint(identity: dict[str, Any]) -> str:
    blob = json.dumps(identity, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def prepare_folder(folder: Path, print_key: str, fp: str, resume: bool) -> None:
    """Create or reopen `folder`; refuse a folder of another experiment, or any folder with
    runs when resume is off. Raises ConfigError (exit 2) before any run starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for sub in ("steps", "runs"):
            (folder / sub).mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"{print_key} = {str(folder)!r} is not writable: {exc.strerror or exc}"
        ) from None
    manifest = folder / MANIFEST
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError):
            old = None
        if old != fp:
            raise ConfigError(
                f"{print_key} = {str(folder)!r} holds the results of a different experiment "
                f"(fingerprint {old}, this one {fp}); choose another {print_key} or remove it"
            )
        if not resume and done_parts(folder):
            raise ConfigError(
                f"{print_key} = {str(folder)!r} already holds runs of this experiment; set "
                f"experiment.resume=true to finish it, or choose another {print_key}"
            )
    elif any(p.name not in ("steps", "runs") for p in folder.iterdir()) or any(
        any((folder / sub).iterdir()) for sub in ("steps", "runs")
    ):
        raise ConfigError(
            f"{print_key} = {str(folder)!r} is not empty and has no {MANIFEST}; "
            f"choose an empty or new folder"
        )


def version_record(folder: Path) -> dict[str, Any]:
    """`versions` of the libraries in this process and, when the folder already holds runs
    made with others (a resume after an upgrade), those as `earlier_versions`."""
    now = library_versions()
    try:
        old = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    earlier = list(old.get("earlier_versions", []))
    prev = old.get("versions")
    if prev and prev != now and prev not in earlier and done_parts(folder):
        earlier.append(prev)
    return {"versions": now, "earlier_versions": earlier} if earlier else {"versions": now}


def done_parts(folder: Path) -> list[Path]:
    return sorted((folder / "runs").glob("part-*.parquet"))


def finished_runs(folder: Path) -> set[int]:
    """Run ids recorded in the runs ledger; drops step parts whose batch never finished."""
    parts = done_parts(folder)
    names = {p.name for p in parts}
    for orphan in (folder / "steps").glob("part-*.parquet"):
        if orphan.name not in names:
            orphan.unlink()
    done: set[int] = set()
    for p in parts:
        done.update(int(i) for i in pd.read_parquet(p, columns=["run_id"])["run_id"].unique())
    return done


def read_runs(folder: Path) -> pd.DataFrame:
    parts = done_parts(folder)
    if not parts:
        return pd.DataFrame()
    table = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return table.sort_values(["run_id"], kind="stable").reset_index(drop=True)


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_version() -> str:
    try:
        return metadata.version("cadresim")
    except metadata.PackageNotFoundError:
        return "unknown"
