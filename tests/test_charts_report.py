"""The HTML report: one file, opens offline in headless Chromium, renders every chart; static
export; Chinese report; bad input exits 2 with one message and writes nothing."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from _charts_tables import compare_folder, sensitivity_table, sweep_folder
from PIL import Image

from cadresim import cli
from cadresim.experiments.charts.export import NO_BROWSER, export_figures
from cadresim.experiments.report import (
    StaticExportFailed,
    build_figures,
    load_results,
    write_report,
)

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")  # fmt: skip


@pytest.fixture(scope="session")
def compare(tmp_path_factory):
    return compare_folder(tmp_path_factory.mktemp("compare"))


@pytest.fixture(scope="session")
def sweep(tmp_path_factory):
    folder = sweep_folder(tmp_path_factory.mktemp("sweep"), grid=False)
    sensitivity_table().to_parquet(folder / "sensitivity.parquet", index=False)
    return folder


@pytest.fixture(scope="session")
def reports(compare, sweep):
    return {
        "en": write_report(compare, lang="en"),
        "zh": write_report(compare, lang="zh"),
        "sweep": write_report(sweep, lang="en"),
    }


def test_report_is_one_offline_file(reports, compare):
    text = reports["en"].read_text(encoding="utf-8")
    assert reports["en"] == compare / "report.en.html"
    assert text.count("plotly.js v") == 1  # the library's banner: inlined exactly once
    # no external script, style sheet or image (plotly.js itself names a CDN only for geo maps)
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|src=\"https?:", text)
    for heading in ("Question", "Key findings", "Configuration", "Regimes and design", "Figures",
                    "Your organisation", "Summary tables", "Glossary: outcomes and how they are "
                    "computed", "Methods"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in text
    assert "3 replication(s)" in text and "seeds (1–3: common random numbers)" in text
    assert "95% t-intervals" in text
    assert "Difference vs baseline" in text  # from comparison.parquet


def test_zh_report_is_chinese(reports):
    text = reports["zh"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text
    for word in ("研究问题", "方法说明", "三项机制", "仅容错", "不想为", "害怕为", "担当作为",
                 "主动作为率"):  # fmt: skip
        # figure JSON escapes non-ASCII (\\uXXXX); the browser test reads the rendered text
        assert word in text or word.encode("unicode_escape").decode() in text, word
    assert "Initiative rate over time" not in text


def test_figures_follow_the_tables(compare, sweep):
    cmp_figs = set(build_figures(load_results(compare)))
    assert {"over_time_initiative_rate", "by_type_initiative_rate", "type_composition",
            "network"} <= cmp_figs  # fmt: skip
    assert not any(k.startswith(("dose_", "heatmap", "sobol")) for k in cmp_figs)
    sweep_figs = set(build_figures(load_results(sweep)))
    assert {"dose_policy_tolerance_coverage", "heatmap_initiative_rate", "tradeoff",
            "sobol_initiative_rate", "morris_initiative_rate"} <= sweep_figs  # fmt: skip
    assert not any(k.startswith("over_time") for k in sweep_figs)


@pytest.mark.browser
@pytest.mark.parametrize("which", ["en", "zh", "sweep"])
def test_report_renders_offline_in_chromium(reports, which, tmp_path):
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument("--window-size=1200,900")
    opts.add_argument("--proxy-server=http://127.0.0.1:9")  # any network request would fail
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(reports[which].resolve().as_uri())
        expected = len(build_figures(load_results(reports[which].parent)))
        plots = driver.find_elements("css selector", ".js-plotly-plot")
        assert len(plots) == expected
        # every chart drew its axes (an SVG with content) in the page
        drawn = driver.execute_script(
            "return [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(d => d.querySelector('.main-svg') && d._fullLayout).length"
        )
        assert drawn == expected
        if which == "zh":  # rendered chart text (titles, legends, ticks) is Chinese
            svg_text = driver.execute_script(
                "return [...document.querySelectorAll('.js-plotly-plot text')]"
                ".map(t => t.textContent).join(' ')"
            )
            for word in ("不想为", "担当作为", "三项机制", "主动作为率", "期数（月）"):
                assert word in svg_text, word
            assert "Initiative rate" not in svg_text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        shot = np.asarray(Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("L"))
        assert shot.std() > 10  # not a blank page
        driver.save_screenshot(str(tmp_path / f"{which}.png"))
    finally:
        driver.quit()


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.slow
def test_static_export_sizes_and_formats(compare, tmp_path):
    figs = build_figures(load_results(compare), "zh")
    paths = export_figures(
        {"by_type": figs["by_type_initiative_rate"]}, tmp_path, ("png", "svg"), width=800,
        height=450, scale=1.5,
    )  # fmt: skip
    assert [p.name for p in paths] == ["by_type.png", "by_type.svg"]
    assert _png_size(paths[0]) == (1200, 675)
    img = np.asarray(Image.open(paths[0]).convert("L"))
    assert img.std() > 10
    svg = paths[1].read_text(encoding="utf-8")
    assert "<svg" in svg and "不想为" in svg and "三项机制" in svg


def test_report_static_without_browser_still_writes_html(compare, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "r.html"
    with pytest.raises(StaticExportFailed) as failed:
        write_report(compare, static="png", out=out)
    assert failed.value.report == out and out.stat().st_size > 1_000_000  # the HTML is there
    assert NO_BROWSER in str(failed.value) and "bash install.sh" in str(failed.value)
    assert not (tmp_path / "figures").exists()
    # the command says so and exits non-zero
    out.unlink()
    assert cli.main(["report", str(compare), "--static", "png", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "report written to" in captured.out and out.is_file()
    assert "static figures incomplete" in captured.err and NO_BROWSER in captured.err


@pytest.mark.slow
def test_cli_report_writes_html_and_static(compare, tmp_path, capsys):
    out = tmp_path / "cli.html"
    assert (
        cli.main(["report", str(compare), "--lang", "zh", "--static", "png", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "report written to" in printed
    assert out.is_file()
    pngs = sorted((tmp_path / "figures" / "zh").glob("*.png"))
    assert printed.count("figure written to") == len(pngs)
    assert all(f"figure written to {png}" in printed for png in pngs)
    assert len(pngs) == len(build_figures(load_results(compare)))
    assert _png_size(pngs[0]) == (2000, 1040)  # default 1000 x 520 at scale 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{missing}"], "does not exist"),
        (["{empty}"], "holds no result tables"),
        (["{compare}", "--lang", "fr"], "invalid choice: 'fr'"),
        (["{compare}", "--static", "gif"], "unknown format; allowed: png, svg, pdf"),
        ([], "the following arguments are required: folder"),
    ],
)
def test_cli_bad_input_exits_2(args, message, compare, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "manifest.json").write_text(json.dumps({"name": "x"}))
    paths = {"missing": tmp_path / "nope", "empty": tmp_path / "empty", "compare": compare}
    out = tmp_path / "bad.html"
    argv = ["report", *(a.format(**paths) for a in args), "--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cadresim: error:") and message in err and "Traceback" not in err
    assert err.count("\n") == 1 and not out.exists()


def test_browser_binaries_present():
    """The browser tests above need Debian's chromium and chromedriver (install.sh)."""
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)
