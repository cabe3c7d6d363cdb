"""The dashboard in headless Chromium (Debian's /usr/bin/chromium + chromedriver, via selenium).

One server (a thread on a free localhost port) and one browser serve all tests; Chromium's
resolver maps every host except localhost to nothing, so the page must work offline.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from cadresim.agents.types import TYPE_NAMES
from cadresim.dashboard.app import create_app
from cadresim.dashboard.benchmark import CHROMEDRIVER, CHROMIUM, FLAGS, choose  # one setup
from cadresim.vocabulary import type_label

pytestmark = pytest.mark.browser
ORG_DRAWN = "#network-{i} .scatterlayer"  # units or cadres

pytestmark = pytest.mark.browser  # Chromium through Selenium


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    srv = make_server("127.0.0.1", port, create_app().server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/"
    srv.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def page(server: str, browser: webdriver.Chrome) -> webdriver.Chrome:
    """A freshly loaded page (a new session id) with its first charts drawn."""
    browser.get(server)
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ORG_DRAWN.format(i=0))))
    wait_for(browser, lambda d: text(d, "run-title-0") == "Baseline")
    return browser


def wait_for(driver: webdriver.Chrome, cond, timeout: float = 10.0):  # noqa: ANN001, ANN201
    return WebDriverWait(
        driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(cond)


def by_id(driver: webdriver.Chrome, element_id: str):  # noqa: ANN201
    return driver.find_element(By.ID, element_id)


def text(driver: webdriver.Chrome, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def by_dash_id(driver: webdriver.Chrome, component_id: dict[str, str]):  # noqa: ANN201
    """The element of a pattern-matching id (Dash writes it as sorted, compact JSON)."""
    key = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return driver.execute_script("return document.getElementById(arguments[0])", key)


def count(driver: webdriver.Chrome, name: str, i: int = 0) -> int:
    return int(text(driver, f"count-{name}-{i}").replace(",", ""))


def step(driver: webdriver.Chrome, times: int = 1) -> None:
    for _ in range(times):
        before = int(text(driver, "month"))
        driver.find_element(By.ID, "step-btn").click()
        wait_for(driver, lambda d, b=before: int(text(d, "month")) == b + 1)


def test_page_loads_offline_with_charts(page: webdriver.Chrome) -> None:
    assert len(page.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")) >= 3
    urls = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls, "no resources were loaded"
    assert all(u.startswith("http://127.0.0.1:") for u in urls), urls
    assert text(page, "month") == "0"
    assert "baseline" in page.find_element(By.ID, "cards").text  # the card names the preset id
    # 1,000 cadres: the organisation is drawn by unit (one disc per unit, a ring per type)
    traces = page.find_elements(By.CSS_SELECTOR, "#network-0 .scatterlayer .trace")
    assert len(traces) == 2 * len(TYPE_NAMES)  # a ring per type, then the legend entries
    units = traces[0].find_elements(By.CSS_SELECTOR, "path.point")
    assert 100 < len(units) < 400  # units, not 1,000 cadres
    page.execute_script("arguments[0].scrollIntoView()", by_id(page, "network-0"))
    ActionChains(page).move_to_element(units[len(units) // 2]).click().perform()
    wait_for(page, lambda d: text(d, "unit-detail-0").startswith("Unit "))


def test_step_advances_time(page: webdriver.Chrome) -> None:
    step(page, 3)
    assert text(page, "month") == "3"
    assert count(page, "sanctions") > 0
    lines = page.find_elements(By.CSS_SELECTOR, "#series-0 .scatterlayer .trace")
    assert len(lines) == 3


def test_tolerance_slider_changes_next_steps(page: webdriver.Chrome) -> None:
    step(page, 2)
    assert count(page, "exemptions") == 0  # baseline: no tolerance mechanism
    slider = by_dash_id(page, {"key": "policy.tolerance.coverage", "role": "lever"})
    handle = slider.find_element(By.CSS_SELECTOR, "[role='slider']")
    handle.click()
    handle.send_keys(Keys.END)
    wait_for(page, lambda d: handle.get_attribute("aria-valuenow") == "1")
    time.sleep(0.3)  # let the lever callback reach the server
    step(page, 2)
    assert text(page, "month") == "4"  # the run went on; it was not reset
    assert count(page, "exemptions") > 0


def test_side_by_side_shows_two_runs(page: webdriver.Chrome) -> None:
    choose(page, "regime", "Strict accountability")
    wait_for(page, lambda d: text(d, "run-title-0") == "Strict accountability")
    choose(page, "compare", "Three mechanisms")
    wait_for(page, lambda d: d.find_element(By.ID, "run-panel-1").is_displayed())
    assert "Three mechanisms" in text(page, "run-title-1")
    assert "Strict accountability" in text(page, "run-title-0")
    step(page, 3)
    wait_for(page, lambda d: count(d, "exemptions", 1) > 0)
    assert count(page, "exemptions", 0) == 0
    assert len(page.find_elements(By.CSS_SELECTOR, ".card")) >= 2


def test_language_switch_changes_labels(page: webdriver.Chrome) -> None:
    assert "training dashboard" in page.find_element(By.TAG_NAME, "h1").text
    page.find_element(By.XPATH, "//label[contains(., '中文')]").click()
    wait_for(page, lambda d: "推演" in d.find_element(By.TAG_NAME, "h1").text)
    wait_for(page, lambda d: "不敢为" in d.find_element(By.ID, "types-0").text)
    assert text(page, "step-btn") == "单步"
    assert "基准" in page.find_element(By.ID, "cards").text


def test_gate_view_and_protection_switch(page: webdriver.Chrome) -> None:
    """The gate heatmap: empty before the first month, then 6 types x 5 gates with values."""
    cells = "#gates-0 .heatmaplayer .hm text"
    assert not [c for c in page.find_elements(By.CSS_SELECTOR, cells) if c.text]
    switch = by_dash_id(page, {"key": "policy.evaluation.protection", "role": "lever"})
    switch.find_element(By.CSS_SELECTOR, "input").click()
    value = by_dash_id(page, {"key": "policy.evaluation.protection", "role": "lever-value"})
    wait_for(page, lambda d: value.text == "on")
    step(page, 1)

    def drawn(d: webdriver.Chrome) -> list[float] | None:  # all 30 cells, read in one pass
        got = [float(c.text) for c in d.find_elements(By.CSS_SELECTOR, cells) if c.text]
        return got if len(got) == 30 else None

    values = wait_for(page, drawn)
    assert len(values) == 30 and all(0.0 <= v <= 1.0 for v in values)
    ticks = page.find_elements(By.CSS_SELECTOR, "#gates-0 .yaxislayer-above .ytick text")
    assert sorted(tick.text for tick in ticks) == sorted(type_label(n, "en") for n in TYPE_NAMES)
    assert text(page, "message") == ""


def test_invalid_mix_shows_message(page: webdriver.Chrome) -> None:
    step(page, 1)
    box = by_dash_id(page, {"key": "unwilling", "role": "mix"})
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.5", Keys.ENTER)
    wait_for(page, lambda d: "population.mix" in text(d, "message"))
    assert "sum to 1" in text(page, "message")
    step(page, 1)  # the old run goes on
    assert text(page, "month") == "2"
    assert "population.mix" in text(page, "message")


def test_running_advances_the_month_by_itself_and_screenshot(page: webdriver.Chrome) -> None:
    """Run steps on its own; how fast is measured by `python -m cadresim.dashboard.benchmark`."""
    page.find_element(By.ID, "run-btn").click()
    wait_for(page, lambda d: int(text(d, "month")) >= 2, timeout=5.0)
    page.find_element(By.ID, "run-btn").click()
    wait_for(page, lambda d: text(d, "run-btn") == "Run")
    png = page.get_screenshot_as_png()
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200


# What the page draws: the series and bar data, and each cadre's ring as the browser styles it.
DRAWN = """
const graph = (id) => document.querySelector('#' + id + ' .js-plotly-plot');
const out = {};
for (const i of [0, 1]) {
    out['series-' + i] = graph('series-' + i).data.map((tr) => [tr.x, tr.y]);
    out['types-' + i] = graph('types-' + i).data.map((tr) => tr.y);
    out['gates-' + i] = graph('gates-' + i).data.map((tr) => tr.z);
    const traces = [...graph('network-' + i).querySelectorAll('.scatterlayer .trace')];
    out['network-' + i] = traces.slice(1, 7).map((g) => [...g.querySelectorAll('path.point')]
        .map((p) => {
            const c = getComputedStyle(p);
            return c.strokeWidth === '0px' ? '' : [c.strokeWidth, c.stroke, c.strokeOpacity].join();
        }));
}
return out;
"""


def test_views_updated_while_running_match_a_full_redraw(page: webdriver.Chrome) -> None:
    """Running sends patches (series, bars) and rings restyled in place (assets/rings.js); a
    language switch sends full figures of the same month: the page must look the same."""
    page.find_element(By.XPATH, "//label[contains(., 'each cadre')]").click()  # rings, not units
    choose(page, "compare", "Three mechanisms")
    wait_for(page, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#network-1 .scatterlayer")))
    page.find_element(By.ID, "run-btn").click()
    wait_for(page, lambda d: int(text(d, "month")) >= 6, timeout=10.0)
    page.find_element(By.ID, "run-btn").click()
    wait_for(page, lambda d: text(d, "run-btn") == "Run")
    time.sleep(0.3)  # let the last answer be drawn
    month = text(page, "month")
    running = page.execute_script(DRAWN)
    page.find_element(By.XPATH, "//label[contains(., '中文')]").click()
    wait_for(page, lambda d: "不敢为" in d.find_element(By.ID, "types-1").text)
    time.sleep(0.3)
    assert text(page, "month") == month
    redrawn = page.execute_script(DRAWN)
    assert len(running["series-0"][0][0]) == int(month)
    assert any(ring for trace in running["network-1"] for ring in trace)
    for view, drawn in redrawn.items():
        assert running[view] == drawn, view
