"""Progress of an experiment: a tqdm bar on a terminal, plain periodic lines in a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO

LINE_EVERY_SECONDS = 10.0


class Progress:
    """`update(n)` after each batch; `close()` at the end. mode: auto | bar | lines | none."""

    def __init__(
        self, total: int, done: int, label: str, mode: str = "auto", stream: TextIO | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode, self.total, self.done, self.label = mode, total, done, label
        self.start = time.perf_counter()
        self.new = 0
        self._last_line = self.start
        self._bar = None
        if mode == "bar":
            from tqdm import tqdm  # noqa: PLC0415

            self._bar = tqdm(total=total, initial=done, desc=label, unit="run", file=self.stream)

    def update(self, n: int) -> None:
        self.done += n
        self.new += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "lines":
            now = time.perf_counter()
            if now - self._last_line >= LINE_EVERY_SECONDS or self.done >= self.total:
                self._last_line = now
                self._line(now)

    def _line(self, now: float) -> None:
        rate = self.new / max(now - self.start, 1e-9)
        pct = 100.0 * self.done / max(self.total, 1)
        print(
            f"{self.label}: {self.done}/{self.total} runs ({pct:.0f}%), {rate:.1f} runs/s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
