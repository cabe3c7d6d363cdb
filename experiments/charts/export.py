"""Static export of figures (PNG, SVG, PDF) through kaleido 1.x and a system Chromium.

kaleido 1.x drives a Chrome/Chromium it finds through `BROWSER_PATH` or the PATH. We look for one
first, so a machine without a browser gets one clear message instead of a kaleido traceback.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import plotly.graph_objects as go

FORMATS = ("png", "svg", "pdf")
WIDTH, HEIGHT, SCALE = 1000, 560, 2
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_BROWSER = (
    "static export needs Chromium (kaleido 1.x drives a browser) and none was found; "
    "install it with `bash install.sh` or `apt-get install -y chromium fonts-noto-cjk`, "
    "or set BROWSER_PATH=/path/to/chromium. The HTML report was still written."
)


class ExportError(RuntimeError):
    """Static export could not run (no browser, or the browser failed)."""


def find_browser() -> str | None:
    """BROWSER_PATH if it names an executable, else the first Chrome/Chromium on the PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env and os.access(env, os.X_OK):
        return env
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def parse_formats(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """'png,svg' or ['png'] -> ('png', 'svg'); raises ValueError naming the allowed formats."""
    if not spec:
        return ()
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = tuple(dict.fromkeys(s.strip().lower() for s in items if s.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise ValueError(f"--static {','.join(bad)}: unknown format; allowed: {', '.join(FORMATS)}")
    return out


def export_figures(
    figures: Mapping[str, go.Figure],
    folder: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    width: int = WIDTH,
    height: int | None = None,
    scale: float = SCALE,
) -> list[Path]:
    """Write every figure in every format as folder/NAME.FORMAT in one browser session and
    return the files written, each checked (present, not empty, of its format). Raises
    ExportError naming the files missing; then none of this call's files is put in `folder`.

    A figure's own layout height is kept unless `height` is given (composite panels are taller).
    """
    formats = parse_formats(list(formats))
    browser = find_browser()
    if browser is None:
        raise ExportError(NO_BROWSER)
    os.environ["BROWSER_PATH"] = browser
    import plotly.io as pio  # noqa: PLC0415

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names, figs, heights = [], [], []
    for name, fig in figures.items():
        for fmt in formats:
            names.append(f"{name}.{fmt}")
            figs.append(fig)
            heights.append(height or fig.layout.height or HEIGHT)
    if not figs:
        return []
    # kaleido writes into a fresh hidden folder, so a file left by an earlier export is never
    # taken for one written now; only files checked whole are moved into `folder`
    scratch = Path(tempfile.mkdtemp(dir=folder, prefix=".export-"))
    try:
        paths = [scratch / n for n in names]
        try:
            pio.write_images(figs, paths, width=width, height=heights, scale=scale)
            # kaleido can return without writing a file when the machine is busy: retry those
            # one by one
            for fig, path, h in zip(figs, paths, heights, strict=True):
                if not _written(path):
                    pio.write_image(fig, path, width=width, height=h, scale=scale)
        except Exception as exc:  # kaleido/choreographer raise many kinds; report one message
            raise ExportError(f"static export failed with {browser}: {exc}") from exc
        missing = [folder / p.name for p in paths if not _written(p)]
        if missing:
            raise ExportError(
                f"static export with {browser} did not write {', '.join(map(str, missing))} "
                f"({len(paths) - len(missing)} of {len(paths)} files written)"
            )
        out = []
        for path in paths:
            os.chmod(path, _file_mode())
            os.replace(path, folder / path.name)
            out.append(folder / path.name)
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


MAGIC = {"png": (b"\x89PNG\r\n\x1a\n",), "pdf": (b"%PDF",), "svg": (b"<svg", b"<?xml")}


def _written(path: Path) -> bool:
    """A whole file of its format: there, not empty, starting as its format does."""
    try:
        with open(path, "rb") as f:
            head = f.read(64).lstrip()
    except OSError:
        return False
    return any(head.startswith(m) for m in MAGIC.get(path.suffix.lstrip("."), (b"",))) and bool(
        head
    )


def _file_mode() -> int:
    from cadresim.experiments.store import file_mode  # noqa: PLC0415

    return file_mode()
