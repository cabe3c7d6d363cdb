"""`cadresim report FOLDER --out/--static` for the folder kinds with their own report
(optimise, discover, calibrate): --out never replaces another file, and --static is refused
in one line rather than silently skipped. The checks come before any folder is read, so stub
folders (just what identifies the kind) are enough."""

from __future__ import annotations

import json

import pytest


def _folder(tmp_path, kind: str):
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "discover":
        (folder / "discover.json").write_text("{}", encoding="utf-8")
    else:
        (folder / "manifest.json").write_text(json.dumps({"kind": kind}), encoding="utf-8")
    return folder


KINDS = ["optimise", "discover", "calibrate"]


@pytest.mark.parametrize("kind", KINDS)
def test_out_never_replaces_a_data_file(tmp_path, inproc, kind):
    folder = _folder(tmp_path, kind)
    data = tmp_path / "steps.parquet"
    data.write_bytes(b"PAR1 results")
    out = inproc("report", str(folder), "--out", str(data))
    assert out.returncode == 2 and "never overwrites other files" in out.stderr
    assert out.stderr.count("\n") == 1 and data.read_bytes() == b"PAR1 results"


@pytest.mark.parametrize("kind", KINDS)
def test_out_that_is_a_folder_is_one_line(tmp_path, inproc, kind):
    folder = _folder(tmp_path, kind)
    out = inproc("report", str(folder), "--out", str(tmp_path))
    assert out.returncode == 2 and "is a folder" in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", KINDS)
def test_static_is_refused_not_skipped(tmp_path, inproc, kind):
    folder = _folder(tmp_path, kind)
    out = inproc("report", str(folder), "--static", "png")
    assert out.returncode == 2 and f"a {kind} folder has no static figure export" in out.stderr
    assert not list(folder.glob("report*.html"))
