"""Dashboard benchmark: how often the views update while running, with 1,000 cadres.

    python -m cadresim.dashboard.benchmark [--seconds 5] [--regime baseline]
                                           [--compare three_mechanisms] [--tick-ms 150]

Serves the dashboard on a free localhost port (a thread of this process), drives headless
Chromium (Debian's /usr/bin/chromium + chromedriver, via selenium; the flags of the e2e tests),
presses Run and counts, over a window of `--seconds`, for (a) one regime and (b) two regimes
side by side on the same population and seed:

- months/s: how fast the month counter advances (the server steps one month per tick);
- views/s: how often the month counter is redrawn in the page (a MutationObserver);
- server ms: the update callback's time on the server per tick (Python work plus JSON encoding,
  timed around Dash's callback wrapper) and the size of its response;
- trip ms: request start to response end as the browser saw it (Resource Timing);
- draw ms: time the page spends drawing figures per view (Plotly.react, and the in-place ring
  restyle of assets/rings.js where there is one).

The tick period is `app.TICK_MS` (150 ms), so at most 6.7 updates per second are possible;
`--tick-ms 50` shows how far beyond that the page could go. Speed is measured here, not in
timed tests.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cadresim.vocabulary import regime_label

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1500,1300",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
UPDATE_OUTPUT = "month.children"  # the update callback is the one writing the month counter

# Installed in the page once the run is going: records each redraw of the month counter and
# the time spent drawing figures (Plotly.react, and the in-place ring restyle if there is one).
WATCH_JS = """
window.__bench = [];
window.__draw = 0;
performance.clearResourceTimings();
performance.setResourceTimingBufferSize(100000);
const month = document.getElementById('month');
new MutationObserver(() => window.__bench.push([performance.now(), month.textContent]))
    .observe(month, {childList: true, characterData: true, subtree: true});
const timed = (obj, name) => {
    const f = obj && obj[name];
    if (!f) return;
    obj[name] = function (...args) {
        const t0 = performance.now();
        try { return f.apply(this, args); } finally { window.__draw += performance.now() - t0; }
    };
};
timed(window.Plotly, 'react');
timed(window.dash_clientside && window.dash_clientside.cadresim, 'rings');
return performance.now();
"""
# Round trips of the update requests that started in [t0, t1] (page clock, ms).
TRIPS_JS = """
return performance.getEntriesByType('resource')
    .filter(e => e.name.includes('_dash-update-component')
                 && e.startTime >= arguments[0] && e.startTime <= arguments[1])
    .map(e => e.responseEnd - e.startTime);
"""


class ServerTimes:
    """Times and response sizes of the update callback, recorded while `recording`."""

    def __init__(self) -> None:
        self.recording = False
        self.rows: list[tuple[float, int]] = []  # (seconds, response characters)
        self._lock = threading.Lock()

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            out = func(*args, **kwargs)
            dt = time.perf_counter() - t0
            if self.recording:
                with self._lock:
                    self.rows.append((dt, len(out) if isinstance(out, str) else 0))
            return out

        return timed

    def take(self) -> list[tuple[float, int]]:
        with self._lock:
            rows, self.rows = self.rows, []
        return rows


@contextmanager
def serve(times: ServerTimes, tick_ms: int) -> Iterator[str]:
    """The dashboard on a free localhost port, its update callback timed by `times`."""
    from werkzeug.serving import make_server  # noqa: PLC0415

    from .app import create_app  # noqa: PLC0415

    app = create_app(tick_ms)
    keys = [k for k in app.callback_map if UPDATE_OUTPUT in k]
    if len(keys) != 1:
        raise RuntimeError(f"expected one callback writing {UPDATE_OUTPUT}, found {keys}")
    entry = app.callback_map[keys[0]]
    entry["callback"] = times.wrap(entry["callback"])
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}/"
    finally:
        srv.shutdown()
        thread.join(5)


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, cond: Callable[[Any], Any], timeout: float = 20.0) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(cond)


def _text(driver: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    return driver.find_element(By.ID, element_id).text


def choose(driver: Any, dropdown_id: str, option: str) -> None:
    """Pick `option` in a Dash dropdown (also used by the e2e tests)."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    driver.find_element(By.ID, dropdown_id).click()
    item = _wait(
        driver,
        lambda d: [
            e for e in d.find_elements(By.CSS_SELECTOR, "[role='option']") if e.text == option
        ],
    )
    item[0].click()


def _drawn(driver: Any, i: int) -> bool:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    return bool(driver.find_elements(By.CSS_SELECTOR, f"#network-{i} .scatterlayer"))


def measure(
    driver: Any,
    url: str,
    times: ServerTimes,
    regime: str,
    compare: str | None,
    seconds: float,
    org: str = "auto",
) -> dict[str, Any]:
    """Load a fresh page (1,000 cadres by default), set the regimes, run for `seconds`."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    driver.get(url)
    _wait(
        driver, lambda d: _drawn(d, 0) and _text(d, "run-title-0") == regime_label("baseline", "en")
    )
    if regime != "baseline":
        choose(driver, "regime", regime_label(regime, "en"))
        _wait(driver, lambda d: _text(d, "run-title-0") == regime_label(regime, "en"))
    if compare:
        choose(driver, "compare", regime_label(compare, "en"))
        _wait(driver, lambda d: d.find_element(By.ID, "run-panel-1").is_displayed())
        _wait(
            driver,
            lambda d: _drawn(d, 1) and regime_label(compare, "en") in _text(d, "run-title-1"),
        )
    if org != "auto":  # the organisation view: by unit, or each cadre with rings
        option = {"units": "units", "cadres": "each cadre"}[org]
        driver.find_element(By.XPATH, f"//label[contains(., '{option}')]").click()
        time.sleep(1.0)  # let the redrawn view settle
    size = driver.find_element(By.ID, "size").get_attribute("value")
    run_btn = driver.find_element(By.ID, "run-btn")
    run_btn.click()
    _wait(driver, lambda d: int(_text(d, "month")) >= 3)  # warm up
    times.take()
    times.recording = True
    p0 = driver.execute_script(WATCH_JS)
    m0, t0 = int(_text(driver, "month")), time.perf_counter()
    time.sleep(seconds)
    m1, t1 = int(_text(driver, "month")), time.perf_counter()
    p1 = driver.execute_script("return performance.now()")
    times.recording = False
    run_btn.click()
    _wait(driver, lambda d: _text(d, "run-btn") in ("Run", "运行"))
    redraws = driver.execute_script("return window.__bench")
    draw_ms = driver.execute_script("return window.__draw")
    trips = driver.execute_script(TRIPS_JS, p0, p1)
    server = times.take()
    elapsed = t1 - t0
    views = {text for at, text in redraws if at <= p1}
    ms = sorted(1000 * dt for dt, _ in server)
    return {
        "mode": f"side by side ({regime} | {compare})" if compare else f"single ({regime})",
        "cadres": int(size),
        "months_per_s": (m1 - m0) / elapsed,
        "views_per_s": len(views) / ((p1 - p0) / 1000),
        "draw_ms": draw_ms / max(len(views), 1),
        "server_ms": statistics.median(ms) if ms else float("nan"),
        "server_p90_ms": ms[int(0.9 * (len(ms) - 1))] if ms else float("nan"),
        "response_kb": statistics.median(n for _, n in server) / 1000 if server else 0.0,
        "trip_ms": statistics.median(trips) if trips else float("nan"),
        "ticks": len(server),
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'mode':<44} {'cadres':>6} {'months/s':>8} {'views/s':>7} "
        f"{'server ms':>9} {'p90':>5} {'resp kB':>7} {'trip ms':>7} {'draw ms':>7}"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['mode']:<44} {r['cadres']:>6} {r['months_per_s']:>8.1f} {r['views_per_s']:>7.1f} "
            f"{r['server_ms']:>9.1f} {r['server_p90_ms']:>5.0f} {r['response_kb']:>7.1f} "
            f"{r['trip_ms']:>7.1f} {r['draw_ms']:>7.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cadresim.dashboard.benchmark",
        description="Dashboard updates per second in headless Chromium (1,000 cadres).",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="window per mode (default 5)")
    parser.add_argument("--regime", default="baseline", help="main regime (default baseline)")
    parser.add_argument(
        "--org",
        choices=("auto", "units", "cadres"),
        default="auto",
        help="organisation view (default auto: by unit at 1,000 cadres)",
    )
    parser.add_argument("--compare", default="three_mechanisms", help="second regime side by side")
    parser.add_argument(
        "--tick-ms",
        type=int,
        default=None,
        help="update period while running (default: the dashboard's, app.TICK_MS)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    if args.tick_ms is None:
        from .app import TICK_MS  # noqa: PLC0415

        args.tick_ms = TICK_MS
    times = ServerTimes()
    with serve(times, args.tick_ms) as url, chromium() as driver:
        rows = [
            measure(driver, url, times, args.regime, None, args.seconds, args.org),
            measure(driver, url, times, args.regime, args.compare, args.seconds, args.org),
        ]
    print(table(rows))
    print(
        "months/s: month counter advance; views/s: distinct month values drawn in the page; "
        "server ms: update callback incl. JSON (median, p90); resp kB: its response (median); "
        "trip ms: request round trip seen by the browser (median); draw ms: figure drawing in "
        f"the page per view (mean); tick {args.tick_ms} ms, so at most {1000 / args.tick_ms:.1f} "
        "views/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
