"""Static export reports only files it wrote now and checked whole (no browser needed: kaleido's
writer is replaced by one that skips or truncates chosen files)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from cadresim.experiments.charts import export

GOOD = {"png": b"\x89PNG\r\n\x1a\n" + b"x" * 100, "svg": b"<svg></svg>", "pdf": b"%PDF-1.7 x"}


@pytest.fixture
def kaleido(monkeypatch):
    """A fake writer: writes every file but those named in `skip` (nothing) or `bad` (text)."""
    state = {"skip": set(), "bad": set(), "calls": 0}

    def write(path: Path) -> None:
        state["calls"] += 1
        name = Path(path).name
        if name in state["skip"]:
            return
        Path(path).write_bytes(b"oops" if name in state["bad"] else GOOD[name.split(".")[-1]])

    monkeypatch.setattr(export, "find_browser", lambda: "/usr/bin/true")
    monkeypatch.setattr(pio, "write_images", lambda figs, paths, **kw: [write(p) for p in paths])
    monkeypatch.setattr(pio, "write_image", lambda fig, path, **kw: write(path))
    return state


FIGS = {"a": go.Figure(), "b": go.Figure()}


def test_every_file_written_is_checked_and_listed(tmp_path, kaleido):
    paths = export.export_figures(FIGS, tmp_path, ("png", "svg", "pdf"))
    assert [p.name for p in paths] == ["a.png", "a.svg", "a.pdf", "b.png", "b.svg", "b.pdf"]
    assert all(p.parent == tmp_path and p.read_bytes() == GOOD[p.suffix[1:]] for p in paths)
    assert sorted(tmp_path.iterdir()) == sorted(paths)  # no scratch folder left


@pytest.mark.parametrize("how", ["skip", "bad"])
def test_a_missing_file_is_named_even_if_an_old_copy_exists(tmp_path, kaleido, how):
    stale = tmp_path / "b.svg"
    stale.write_bytes(GOOD["svg"])  # from an earlier export
    kaleido[how].add("b.svg")
    with pytest.raises(export.ExportError) as info:
        export.export_figures(FIGS, tmp_path, ("png", "svg"))
    message = str(info.value)
    assert f"did not write {tmp_path / 'b.svg'} (3 of 4 files written)" in message
    assert "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.svg"]  # nothing half-done added
    assert stale.read_bytes() == GOOD["svg"]


def test_a_file_written_only_on_the_retry_counts(tmp_path, kaleido, monkeypatch):
    kaleido["skip"].add("a.png")
    real = pio.write_image

    def retry(fig, path, **kw):
        kaleido["skip"].discard(Path(path).name)
        real(fig, path, **kw)

    monkeypatch.setattr(pio, "write_image", retry)
    assert len(export.export_figures(FIGS, tmp_path, ("png",))) == 2
