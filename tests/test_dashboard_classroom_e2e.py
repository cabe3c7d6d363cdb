"""Classroom mode in headless Chromium: three teams join a room in three tabs, set different
levers and advance together under the facilitator; the facilitator's standings agree with an
independent computation; a team past the session cap gets the message; the exported snapshot
opens offline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from cadresim.dashboard.benchmark import CHROMEDRIVER, CHROMIUM, FLAGS
from cadresim.dashboard.challenges import WINDOW
from cadresim.dashboard.classroom import Room
from cadresim.dashboard.classroom_app import create_classroom
from cadresim.dashboard.session import SessionStore
from cadresim.model.cadre_model import CadreModel
from cadresim.model.metrics import step_table

pytestmark = pytest.mark.browser
CAP = 3  # sessions: the three teams fill the server


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def classroom() -> Iterator[tuple[str, Room]]:
    server, room, _ = create_classroom(
        "poor_screening", store=SessionStore(capacity=CAP), poll_ms=300, tick_ms=300
    )
    port = free_port()
    srv = make_server("127.0.0.1", port, server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/", room
    srv.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(driver: webdriver.Chrome, cond: Any, timeout: float = 15.0) -> Any:
    return WebDriverWait(
        driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(cond)


def by_dash_id(driver: webdriver.Chrome, role: str, key: str) -> Any:
    return driver.execute_script(
        "return document.getElementById(arguments[0])", f'{{"key":"{key}","role":"{role}"}}'
    )


def join(driver: webdriver.Chrome, url: str, code: str, team: str) -> None:
    driver.get(url)
    wait_for(driver, lambda d: d.find_elements(By.ID, "join-btn"))
    driver.find_element(By.ID, "room-code").send_keys(code)
    driver.find_element(By.ID, "team-name").send_keys(team)
    driver.find_element(By.ID, "join-btn").click()


def slide_to_end(driver: webdriver.Chrome, key: str) -> None:
    handle = by_dash_id(driver, "lever", key).find_element(By.CSS_SELECTOR, "[role='slider']")
    handle.click()
    handle.send_keys(Keys.END)
    value = by_dash_id(driver, "lever-value", key)
    wait_for(driver, lambda d: value.text and float(value.text) > 0)


LEVERS = {  # team -> the lever it pushes to the slider's end
    "Alpha": "policy.tolerance.coverage",
    "Beta": "policy.accountability.error_sanction",
    "Gamma": "policy.incentive.reward",
}


def expected_order(room: Room, months: int) -> list[str]:
    """The ranking recomputed from each team's own step table and a fresh run of the untouched
    challenge: teams meeting the targets first, then by the challenge's rank_by (higher is
    better for initiative)."""
    ch = room.challenge

    def window_means(tallies: np.ndarray) -> dict[str, float]:
        table = step_table(tallies)
        rows = table[(table.grouping == "all") & (table.step > months - WINDOW)]
        return rows[["initiative_rate", "misconduct_rate"]].mean().to_dict()

    reference = CadreModel(config=ch.config(), agent_views=False, collect=False)
    for _ in range(months):
        reference.step()
    ref = window_means(reference.engine.tally_array())
    scored = []
    for team in room.teams():
        got = window_means(team.run.engine.tally_array())
        met = (
            got["initiative_rate"] - ref["initiative_rate"] >= 0.1 - 1e-9
            and got["misconduct_rate"] - ref["misconduct_rate"] <= 1e-9
        )
        scored.append((not met, -got["initiative_rate"], team.name))
    return [name for *_, name in sorted(scored)]


def test_three_teams_advance_together_and_are_ranked(
    classroom: tuple[str, Room], browser: webdriver.Chrome, downloads: Path
) -> None:
    url, room = classroom
    tabs = {}
    for k, (team, key) in enumerate(LEVERS.items()):
        if k:
            browser.switch_to.new_window("tab")
        tabs[team] = browser.current_window_handle
        join(browser, url, room.code.lower(), team)
        wait_for(browser, lambda d: d.find_element(By.ID, "team-view").is_displayed())
        wait_for(browser, lambda d, t=team: t in d.find_element(By.ID, "team-title").text)
        slide_to_end(browser, key)
        wait_for(browser, lambda d: "(modified)" in d.find_element(By.ID, "team-title").text)
    assert len(room.teams()) == 3
    levers = {team.name: team.levers() for team in room.teams()}
    assert levers["Alpha"]["policy.tolerance.coverage"] == 1.0
    assert levers["Beta"]["policy.accountability.error_sanction"] == 30.0
    assert levers["Gamma"]["policy.incentive.reward"] == 3.0
    assert levers["Alpha"]["policy.incentive.reward"] == levers["Beta"]["policy.incentive.reward"]

    # a fourth team: the server is at its cap, so it gets the message and nobody is dropped
    browser.switch_to.new_window("tab")
    join(browser, url, room.code, "Delta")
    wait_for(browser, lambda d: "is full" in d.find_element(By.ID, "message").text)
    assert "--max-sessions" in browser.find_element(By.ID, "message").text
    assert [t.name for t in room.teams()] == ["Alpha", "Beta", "Gamma"]

    # the facilitator advances everyone 24 months, then runs and pauses
    browser.get(f"{url}facilitator/?key={room.key}")
    wait_for(browser, lambda d: "3 teams" in d.find_element(By.ID, "room-status").text)
    for _ in range(2):
        before = room.month
        browser.find_element(By.ID, "year-btn").click()
        wait_for(browser, lambda d, b=before: room.month == b + 12)
    assert {team.run.step_count for team in room.teams()} == {24}
    assert room.reference.step_count == 24
    wait_for(browser, lambda d: "Month 24" in d.find_element(By.ID, "room-status").text)

    order = expected_order(room, 24)

    def standings(d: webdriver.Chrome) -> list[str]:
        # the table is redrawn on every poll, so an element read here can go stale: re-read
        rows = d.find_elements(By.CSS_SELECTOR, "#standings-table .team-row .team-name")
        return [r.text.replace(" (modified)", "") for r in rows]

    try:
        wait_for(browser, lambda d: standings(d) == order, timeout=10)
    except TimeoutException:
        pytest.fail(f"standings shown {wait_for(browser, standings)} != expected {order}")
    # the overlay is redrawn on each poll too: four traces (three teams and the reference)
    wait_for(
        browser,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#overlay .scatterlayer .trace")) == 4,
    )

    browser.find_element(By.ID, "start-btn").click()
    wait_for(browser, lambda d: room.month >= 26)
    browser.find_element(By.ID, "start-btn").click()
    wait_for(browser, lambda d: not room.running)
    time.sleep(0.8)
    stopped = room.month
    time.sleep(0.8)
    assert room.month == stopped and {t.run.step_count for t in room.teams()} == {stopped}

    assert "Screening was poor" not in browser.find_element(By.ID, "reveal").text
    browser.find_element(By.ID, "reveal-btn").click()
    wait_for(browser, lambda d: "Screening was poor" in d.find_element(By.ID, "reveal").text)

    # a team's page follows the room's month; its snapshot downloads and opens offline
    browser.switch_to.window(tabs["Alpha"])
    wait_for(browser, lambda d: f"Month {stopped}" in d.find_element(By.ID, "room-status").text)
    browser.find_element(By.ID, "export-cmd-btn").click()
    wait_for(
        browser,
        lambda d: "policy.tolerance.coverage=1.0" in d.find_element(By.ID, "export-cmd").text,
    )
    assert "policy.tolerance.screening=0.3" in browser.find_element(By.ID, "export-cmd").text
    browser.find_element(By.ID, "export-html-btn").click()
    snapshot = wait_for(browser, lambda d: [p for p in downloads.glob("*.html")])[0]
    browser.get(snapshot.as_uri())
    wait_for(
        browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg")) >= 3
    )
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(u.startswith("file:") for u in urls), urls  # nothing fetched from the network
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Levers as moved over time" in body and "cadresim policy=baseline" in body
