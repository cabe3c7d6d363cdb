"""The results folder of one experiment: manifest, part files, resume ledger, final tables.

    <folder>/manifest.json         what was asked (config, design, seeds), versions, git commit
    <folder>/steps/part-*.parquet  step rows of each batch of runs
    <folder>/runs/part-*.parquet   summary rows of each batch: the finished runs
    <folder>/units/, levels/       an org-chart experiment's per-unit and per-level rows of
                                   each batch (written before its runs part; read only for
                                   batches whose runs part exists)
    <folder>/ledger.jsonl          one line per finished batch: its run ids, and the row count
                                   and sha256 of its runs and steps parts
    <folder>/aside/                corrupt, truncated or orphaned parts, moved here, never deleted
    <folder>/.cadresim.lock        the lock of the one process writing the folder (pid, start)
    <folder>/runs.parquet, ...     assembled tables

Every file is written to a hidden temp file and renamed, so an interrupted experiment leaves
only whole parts; a batch counts as done once its runs part exists (written after its steps
part) and, on resume, its parts still match the ledger (`verify_parts`). A part is never
replaced: a retried batch gets a new name (`part_name`) and the final link fails rather than
overwrite finished runs. One process at a time writes a folder (`lock_folder`, an advisory
fcntl lock held for the whole experiment). The manifest's fingerprint guards a folder against a
different experiment; library versions are recorded beside it, outside it, so an upgrade does
not block resuming.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cadresim.model.config import ConfigError
from cadresim.model.formats import to_parquet
from cadresim.model.versions import library_versions

MANIFEST = "manifest.json"
LEDGER = "ledger.jsonl"
LOCK = ".cadresim.lock"
ASIDE = "aside"
# what a folder of runs may hold besides the manifest before its first run (and hidden files:
# the lock, probes and temp files of a process that is starting on it too)
FOLDER_PARTS = ("steps", "runs", LOCK)


def file_mode() -> int:
    """What open() would give a new file under this process's umask now (read at each write,
    so a umask set after import, e.g. by a wrapper script or a test, is honoured). Linux shows
    the umask in /proc/self/status; elsewhere it is read by setting and restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            mask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0)
        os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[str], Any], replace: bool = True) -> None:
    """Write via a hidden temp file in the same folder, then rename it to `path`. With
    replace=False an existing `path` is kept and FileExistsError raised (parts of runs)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        os.chmod(tmp, file_mode())  # mkstemp makes 0600; results are shared like any file
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
    atomic_write(path, lambda f: to_parquet(table, f), replace)


def part_name(folder: Path, first_run: int) -> str:
    """A part name no file in steps/ or runs/ has: part-<first run of the batch>.parquet, else
    with -1, -2, ... appended (a batch retried after failures must not take its old name)."""
    for attempt in itertools.count():
        suffix = f"-{attempt}" if attempt else ""
        name = f"part-{first_run:07d}{suffix}.parquet"
        if not any((folder / sub / name).exists() for sub in ("steps", "runs", *ORG_PARTS)):
            return name
    raise AssertionError("unreachable")


def write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write(path, lambda f: Path(f).write_text(text, encoding="utf-8"))


def fingerprint(identity: dict[str, Any]) -> str:
    blob = json.dumps(identity, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


class FolderBusy(ConfigError):
    """Another live process holds the folder's lock (exit 2, nothing written)."""


_held: dict[str, int] = {}  # resolved folder -> fd of its lock file, in this process
_pinned: dict[str, int] = {}  # resolved folder -> open keep_locked blocks


def _holder(fd: int) -> dict[str, Any]:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        info = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_folder(folder: Path, print_key: str = "experiment.output_dir") -> None:
    """Take the folder's advisory lock for this process (fcntl.flock on `.cadresim.lock`, which
    records pid, host and start time); re-entrant within a process. Raises FolderBusy naming the
    holder if another live process has it. The kernel drops the lock of a process that dies, so
    a lock file left by a dead process is stale: it is taken over, with a note."""
    key = str(Path(folder).resolve())
    if key in _held:
        return
    fd = os.open(Path(folder) / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            os.close(fd)  # no locks on this file system (some network mounts): say so, go on
            print(
                f"cadresim: warning: {folder} cannot be locked ({exc.strerror}); do not run a "
                "second experiment on it at the same time",
                file=sys.stderr,
            )
            return
        who = _holder(fd)
        os.close(fd)
        raise FolderBusy(
            f"{print_key} = {str(folder)!r} is being written by another cadresim process "
            f"(pid {who.get('pid', '?')} on {who.get('host', '?')}, started "
            f"{who.get('started', '?')}); wait for it to finish or choose another {print_key}"
        ) from None
    old = _holder(fd)
    if old.get("pid") and old.get("host") == socket.gethostname() and not _alive(old["pid"]):
        print(
            f"cadresim: {folder}: taking over the lock of pid {old['pid']} (started "
            f"{old.get('started', '?')}), which is no longer running",
            file=sys.stderr,
        )
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
    _held[key] = fd


@contextmanager
def keep_locked(folder: Path) -> Iterator[None]:
    """Hold the folder's lock (taken by open_folder) until the block ends, however many
    unlock_folder calls happen inside it: an experiment kind writes its derived tables
    (comparison, pareto, selectivity, ...) after execute_plan, which releases the lock."""
    key = str(Path(folder).resolve())
    lock_folder(folder)
    _pinned[key] = _pinned.get(key, 0) + 1
    try:
        yield
    finally:
        _pinned[key] -= 1
        if not _pinned[key]:
            del _pinned[key]
            unlock_folder(folder)


def unlock_folder(folder: Path) -> None:
    """Release the lock taken by lock_folder (the lock file stays, emptied); inside a
    keep_locked block the lock stays until the block ends."""
    if str(Path(folder).resolve()) in _pinned:
        return
    fd = _held.pop(str(Path(folder).resolve()), None)
    if fd is None:
        return
    try:
        os.ftruncate(fd, 0)
    except OSError:
        pass
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


def prepare_folder(folder: Path, print_key: str, fp: str, resume: bool) -> None:
    """Create or reopen `folder` and take its lock; refuse a folder another process writes, a
    folder of another experiment, or any folder with runs when resume is off. Raises
    ConfigError (exit 2) before any run starts; on refusal the lock is released and what this
    call made (the folder, steps/, runs/, the lock file) is removed again, so a folder given
    by mistake (a home directory, a colleague's results) is left as it was."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{print_key} = {str(folder)!r} is a file, not a folder")
    made = [p for p in (folder / LOCK, folder / "steps", folder / "runs") if not p.exists()]
    made += [p for p in (folder, *folder.parents) if not p.exists()]  # deepest first
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for sub in ("steps", "runs"):
            (folder / sub).mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _remove_made(made)
        raise ConfigError(
            f"{print_key} = {str(folder)!r} is not writable: {exc.strerror or exc}"
        ) from None
    lock = folder / LOCK
    try:
        lock_folder(folder, print_key)
    except ConfigError:  # another process holds the lock file: never remove it
        _remove_made([p for p in made if p != lock])
        raise
    try:
        _check_folder(folder, print_key, fp, resume)
    except BaseException as exc:
        if lock in made and isinstance(exc, ConfigError):
            # unlinked while still held, so no other process can hold a lock on this file
            # when it goes (one opening it now fails to lock it, one opening later makes a
            # new file)
            lock.unlink(missing_ok=True)
        unlock_folder(folder)
        if isinstance(exc, ConfigError):
            _remove_made([p for p in made if p != lock])
        raise


def _remove_made(made: list[Path]) -> None:
    """Remove, deepest first, the files and empty folders a refused prepare_folder made."""
    for path in made:
        try:
            if path.is_dir():
                path.rmdir()  # only if empty: never anything another process put there
            elif path.exists():
                path.unlink()
        except OSError:
            pass


def _check_folder(folder: Path, print_key: str, fp: str, resume: bool) -> None:
    manifest = folder / MANIFEST
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
            old = old.get("fingerprint") if isinstance(old, dict) else None
        except (OSError, ValueError):
            old = None
        if old is None:
            n = len(done_parts(folder))
            raise ConfigError(
                f"{print_key} = {str(folder)!r}: its {MANIFEST} is unreadable, so the runs in it "
                "cannot be matched to this experiment; nothing was changed, and its "
                f"{n} finished part(s) in runs/ and steps/ are kept (do not delete them). To "
                f"resume them, if they are this experiment's runs, restore {MANIFEST} or write "
                f'{{"fingerprint": "{fp}"}} into it and run the same command again (each '
                f"part is checked against {LEDGER}); or choose another {print_key} to start "
                "afresh"
            )
        if old != fp:
            raise ConfigError(
                f"{print_key} = {str(folder)!r} holds the results of a different experiment "
                f"(fingerprint {old}, this one {fp}); choose another {print_key}"
            )
        if not resume and done_parts(folder):
            raise ConfigError(
                f"{print_key} = {str(folder)!r} already holds runs of this experiment; set "
                f"experiment.resume=true to finish it, or choose another {print_key}"
            )
    elif any(p.name not in FOLDER_PARTS and p.name[:1] != "." for p in folder.iterdir()) or any(
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
    """Run ids of the verified parts (see verify_parts); sets bad parts aside."""
    return verify_parts(folder).done


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _part_record(path: Path) -> dict[str, Any]:
    return {"rows": pq.ParquetFile(path).metadata.num_rows, "sha256": file_sha256(path)}


def record_part(folder: Path, part: str, run_ids: Iterable[int]) -> None:
    """Append a finished batch to the ledger: its run ids and, for its runs part and (if any)
    its steps part, the row count and sha256 of the file as written."""
    steps = folder / "steps" / part
    entry = {
        "part": part,
        "run_ids": sorted(int(i) for i in set(run_ids)),
        "runs": _part_record(folder / "runs" / part),
        "steps": _part_record(steps) if steps.exists() else None,
    }
    _append_ledger(folder, entry)


def _append_ledger(folder: Path, entry: dict[str, Any]) -> None:
    path = folder / LEDGER
    line = json.dumps(entry, separators=(",", ":")) + "\n"
    with open(path, "a+b") as f:
        f.seek(0, os.SEEK_END)
        if f.tell():  # a line cut short by a crash or a full disk: end it first
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                line = "\n" + line
        f.write(line.encode())
        f.flush()
        os.fsync(f.fileno())


def read_ledger(folder: Path) -> dict[str, dict[str, Any]]:
    """Part name -> its latest ledger entry; a part set aside drops out; broken lines skipped."""
    entries: dict[str, dict[str, Any]] = {}
    try:
        text = (folder / LEDGER).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return entries
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("part"), str):
            continue
        if entry.get("aside"):
            entries.pop(entry["part"], None)
        else:
            entries[entry["part"]] = entry
    return entries


@dataclass
class Verified:
    done: set[int] = field(default_factory=set)  # run ids in parts that passed
    corrupt: list[str] = field(default_factory=list)  # part names set aside
    orphans: list[str] = field(default_factory=list)  # step parts without a runs part
    rerun: set[int] = field(default_factory=set)  # run ids of the corrupt parts, where known

    def message(self, folder: Path) -> str | None:
        if not self.corrupt and not self.orphans:
            return None
        bits = []
        if self.corrupt:
            runs = f" ({len(self.rerun)} runs will run again)" if self.rerun else ""
            bits.append(
                f"{len(self.corrupt)} corrupt or truncated part(s) ({', '.join(self.corrupt)})"
                f"{runs}"
            )
        if self.orphans:
            bits.append(f"{len(self.orphans)} step part(s) of unfinished batches")
        return f"cadresim: resume: moved {' and '.join(bits)} to {folder / ASIDE}"


def _intact(path: Path, record: dict[str, Any] | None) -> tuple[bool, int]:
    """(whether the part is whole, its rows): checked against its ledger record if there is
    one, else by reading the whole file (a part finished just before a crash)."""
    try:
        if record is not None:
            ok = path.stat().st_size > 0 and file_sha256(path) == record.get("sha256")
            return ok, int(record.get("rows", -1))
        table = pq.read_table(path)
        return table.num_rows > 0, table.num_rows
    except (OSError, ValueError, pa.ArrowException):
        return False, -1


def verify_parts(folder: Path) -> Verified:
    """Check every part against the ledger before a resume: a runs part and its steps part
    must match the sha256 recorded when they were written (a part not yet in the ledger must
    read whole; it is then recorded). A part that fails is moved to aside/ with its twin (never
    deleted), so its runs run again; so is a steps part whose batch never finished."""
    ledger = read_ledger(folder)
    result = Verified()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    steps_names = {p.name for p in (folder / "steps").glob("part-*.parquet")}
    for runs_path in done_parts(folder):
        name = runs_path.name
        entry = ledger.get(name)
        steps_path = folder / "steps" / name
        ok, _ = _intact(runs_path, entry["runs"] if entry else None)
        ids: set[int] = set(entry.get("run_ids", [])) if entry else set()
        if ok and entry is None:
            try:
                ids = {int(i) for i in pq.read_table(runs_path, columns=["run_id"])["run_id"]}
            except (OSError, ValueError, KeyError, pa.ArrowException):
                ok = False
        if ok and (name in steps_names or (entry and entry.get("steps"))):
            ok, _ = _intact(steps_path, entry.get("steps") if entry else None)
        if ok:
            result.done |= ids
            if entry is None:
                record_part(folder, name, ids)
            continue
        result.corrupt.append(name)
        result.rerun |= ids
        for path in (runs_path, steps_path):
            set_aside(folder, path, f"corrupt-{stamp}")
        _append_ledger(folder, {"part": name, "aside": f"corrupt-{stamp}"})
        steps_names.discard(name)
    finished = {p.name for p in done_parts(folder)}
    for name in sorted(steps_names - finished):
        result.orphans.append(name)
        set_aside(folder, folder / "steps" / name, f"orphan-{stamp}")
    return result


def set_aside(folder: Path, path: Path, suffix: str) -> None:
    """Move a part to aside/<steps|runs>/<name>.<suffix> (out of the folders read as tables)."""
    if not path.exists():
        return
    target_dir = folder / ASIDE / path.parent.name
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{path.name}.{suffix}"
    n = 0
    while target.exists():
        n += 1
        target = target_dir / f"{path.name}.{suffix}-{n}"
    os.replace(path, target)


def read_runs(folder: Path) -> pd.DataFrame:
    parts = done_parts(folder)
    if not parts:
        return pd.DataFrame()
    table = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return table.sort_values(["run_id"], kind="stable").reset_index(drop=True)


ORG_PARTS = ("units", "levels")  # an org-chart experiment's per-unit and per-level parts


def read_org_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """An org-chart experiment's units and levels tables: the parts of the finished batches
    (those with a runs part), in run order. A part left by a batch that never finished is not
    read; one that cannot be read is set aside with a warning (the runs are whole)."""
    done = {p.name for p in done_parts(folder)}
    out: dict[str, pd.DataFrame] = {}
    for name in ORG_PARTS:
        tables = []
        for path in sorted((folder / name).glob("part-*.parquet")):
            if path.name not in done:
                continue
            try:
                tables.append(pd.read_parquet(path))
            except (OSError, ValueError):
                set_aside(folder, path, "corrupt")
                print(
                    f"cadresim: warning: {path} could not be read and is set aside; "
                    f"{name}.parquet lacks its runs",
                    file=sys.stderr,
                )
        if tables:
            table = pd.concat(tables, ignore_index=True)
            out[name] = table.sort_values("run_id", kind="stable").reset_index(drop=True)
    return out


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
