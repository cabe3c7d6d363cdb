"""`cadresim ... | head`: the reader closes the pipe early; the job still finishes."""

from __future__ import annotations

import io
import sys

import pytest

from cadresim import cli


class ClosedAfter(io.StringIO):
    """A stdout whose reader leaves after `lines` lines: later writes raise BrokenPipeError,
    as a pipe into `head -n LINES` does once head has exited."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.left = lines

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= text.count("\n")
        return super().write(text)


def test_an_experiment_piped_into_head_still_writes_its_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = ClosedAfter(lines=1)
    monkeypatch.setattr(sys, "stdout", out)
    code = cli.main(
        [
            "experiment=compare_regimes",
            "experiment.regimes=[baseline,tolerance_only]",
            "experiment.replications=2",
            "experiment.executor=serial",
            "population.size=60",
            "steps=12",
            f"experiment.output_dir={tmp_path / 'cmp'}",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0 and "error" not in err, err
    assert out.getvalue().startswith("compare_regimes: 2 regimes x 2 replications")
    assert (tmp_path / "cmp" / "report.en.html").is_file()
    assert sys.stdout is out  # main() gives the caller's stdout back


def test_a_single_run_piped_into_head_exits_0(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdout", ClosedAfter(lines=0))
    try:
        code = cli.main(["population.size=60", "steps=12", "output_dir=run"])
    except SystemExit as exc:  # pragma: no cover - the failure this test guards against
        pytest.fail(f"exit {exc.code}: {capsys.readouterr().err}")
    assert code == 0 and (tmp_path / "run" / "summary.json").is_file()
