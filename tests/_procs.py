"""Processes of a session, read from /proc (Linux): what tests that kill a process group check."""

from __future__ import annotations

from pathlib import Path


def session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid`: the leader and all it started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found
