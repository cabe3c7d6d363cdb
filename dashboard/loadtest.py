"""Load test of classroom mode: simulated participants against a real server on 127.0.0.1.

    python -m cadresim.dashboard.loadtest [--participants 40] [--seconds 60] [--teams N]

Starts `cadresim dashboard --classroom` on a free local port (its own process, served by
waitress as in a class), then: each participant loads the page, joins a team, polls its team's
view once a second as the page does, and moves a lever now and then; the facilitator starts the
room and its clock advances every team one month per second. It prints the response times (p50,
p90, max) per kind of request and the server's memory (resident set size), then stops the
server. A measurement, not a test: participants, seconds and the host are bounded, and only
127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from typing import Any

from cadresim import cli

from .levers import LEVERS

HOST = "127.0.0.1"  # the only host this script talks to
PARTICIPANTS_RANGE = (1, 200)
SECONDS_RANGE = (5, 600)
POLL_S = 1.0  # the team page's poll period (team_page.POLL_MS)
TICK_S = 1.0  # the facilitator's clock (facilitator_page.TICK_MS)


class Client:
    """Posts Dash callbacks as the page would, from the app's `_dash-dependencies`."""

    def __init__(self, base: str, keys: dict[str, list[str]]) -> None:
        self.base = base
        self.keys = keys  # pattern role -> the keys of its components, in page order
        with urllib.request.urlopen(base + "_dash-dependencies", timeout=30) as answer:
            self.deps = json.load(answer)

    def _spec(self, output_prefix: str) -> dict[str, Any]:
        return next(d for d in self.deps if d["output"].lstrip(".").startswith(output_prefix))

    def _expand(self, cid: str, prop: str, value: Any = None) -> Any:
        if not cid.startswith("{"):
            return {"id": cid, "property": prop, "value": value}
        role = json.loads(cid)["role"]
        values = value if isinstance(value, list) else [None] * len(self.keys[role])
        return [
            {"id": {"key": k, "role": role}, "property": prop, "value": v}
            for k, v in zip(self.keys[role], values, strict=True)
        ]

    def call(self, output_prefix: str, values: dict[str, Any], changed: str) -> dict[str, Any]:
        spec = self._spec(output_prefix)
        outputs = []
        for part in spec["output"].strip(".").split("..."):
            cid, prop = part.rsplit(".", 1)
            expanded = self._expand(cid, prop)
            outputs.append(
                [{"id": e["id"], "property": prop} for e in expanded]
                if isinstance(expanded, list)
                else {"id": cid, "property": prop}
            )

        def entries(items: list[dict[str, Any]]) -> list[Any]:
            out = []
            for item in items:
                name = item["id"]
                key = json.loads(name)["role"] if name.startswith("{") else name
                out.append(self._expand(name, item["property"], values.get(key)))
            return out

        body = {
            "output": spec["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": entries(spec["inputs"]),
            "state": entries(spec["state"]),
            "changedPropIds": [changed],
        }
        request = urllib.request.Request(
            self.base + "_dash-update-component",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            raw = answer.read()
        return json.loads(raw)["response"] if raw else {}


class Timings:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def timed(self, kind: str, fn: Any, *args: Any) -> Any:
        began = time.perf_counter()
        try:
            result = fn(*args)
        except Exception:  # noqa: BLE001  (a failed request is counted, not fatal)
            with self.lock:
                self.errors[kind] += 1
            return None
        with self.lock:
            self.ms[kind].append(1000 * (time.perf_counter() - began))
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port: int, capacity: int) -> tuple[subprocess.Popen[str], str, str]:
    """The classroom server in its own process; its room code and facilitator key."""
    code = "from cadresim.dashboard.command import main; main()"
    args = ["--classroom", "--host", HOST, "--port", str(port), "--max-sessions", str(capacity)]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    room = key = ""
    assert proc.stdout is not None
    while not (room and key):
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the classroom server stopped before printing its room code")
        if line.startswith("cadresim classroom: room "):
            room = line.split()[3].rstrip(";")
        if line.startswith("facilitator: "):
            key = line.split("key=")[1].split()[0]
    base = f"http://{HOST}:{port}/"
    for _ in range(200):  # until it answers
        try:
            urllib.request.urlopen(base, timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, room, key


def _preset_widgets(keys: list[str]) -> list[Any]:
    from .levers import LEVER_KEYS, preset_lever_values, widget_value  # noqa: PLC0415

    values = dict(zip(LEVER_KEYS, preset_lever_values("baseline"), strict=True))
    return [widget_value(k, values[k]) for k in keys]


def participant(
    k: int, base: str, room: str, team: str, keys: dict[str, list[str]], stop: float, t: Timings
) -> None:
    rng = random.Random(k)
    t.timed("page", lambda: urllib.request.urlopen(base, timeout=60).read())
    client = t.timed("page", Client, base, keys)
    if client is None:
        return
    joined = t.timed(
        "join",
        client.call,
        "team.data",
        {"join-btn": 1, "room-code": room, "team-name": team, "lang": "en"},
        "join-btn.n_clicks",
    )
    if not joined or "team" not in joined:
        with t.lock:
            t.errors["join refused"] += 1
        return
    lever_keys = keys["lever"]
    levers = _preset_widgets(lever_keys)  # where the join put the sliders (a new team)
    shown, n = None, 0
    time.sleep(rng.random() * POLL_S)  # pages load at different moments
    while time.monotonic() < stop:
        began = time.monotonic()
        n += 1
        answer = t.timed(
            "poll",
            client.call,
            "room-status.children",
            {"poll": n, "lang": "en", "team": {"name": team}, "team-shown": shown},
            "poll.n_intervals",
        )
        if answer and "team-shown" in answer:
            shown = answer["team-shown"]["data"]
        if rng.random() < POLL_S / 15:  # a lever moved about every 15 s
            i = rng.randrange(len(lever_keys))
            spec = next(lv for lv in LEVERS if lv.key == lever_keys[i])
            if not spec.switch:
                steps = round((spec.hi - spec.lo) / spec.step)
                levers[i] = round(spec.lo + spec.step * rng.randint(0, steps), 6)
                t.timed(
                    "lever",
                    client.call,
                    "message.children",
                    {"lever": levers, "team": {"name": team}, "lang": "en"},
                    "lever.value",
                )
        time.sleep(max(0.0, POLL_S - (time.monotonic() - began)))


def facilitator(base: str, key: str, stop: float, t: Timings, months: list[int]) -> None:
    client = Client(base + "facilitator/", {})
    values = {"lang": "en", "outcome": "initiative_rate", "speed": 1, "url": f"?key={key}"}
    t.timed(
        "facilitator", client.call, "room-status", values | {"start-btn": 1}, "start-btn.n_clicks"
    )
    n = 0
    while time.monotonic() < stop:
        began = time.monotonic()
        n += 1
        answer = t.timed(
            "facilitator", client.call, "room-status", values | {"clock": n}, "clock.n_intervals"
        )
        if answer:
            status = answer["room-status"]["children"]
            months.append(int(status.split()[1]))
        time.sleep(max(0.0, TICK_S - (time.monotonic() - began)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cadresim.dashboard.loadtest")
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--teams", type=int, default=None, help="default: one per participant")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    lo, hi = PARTICIPANTS_RANGE
    if not lo <= args.participants <= hi:
        cli.fail(f"--participants = {args.participants} is out of range; allowed [{lo}, {hi}]")
    if not SECONDS_RANGE[0] <= args.seconds <= SECONDS_RANGE[1]:
        cli.fail(f"--seconds = {args.seconds} is out of range; allowed {list(SECONDS_RANGE)}")
    teams = args.teams or args.participants
    if not 1 <= teams <= args.participants:
        cli.fail(f"--teams = {teams} is out of range; allowed [1, {args.participants}]")

    from .challenges import challenge_names, load_challenge  # noqa: PLC0415

    challenge = load_challenge(challenge_names()[0])
    keys = {"lever": list(challenge.lever_keys)}
    port = _free_port()
    proc, room, key = start_server(port, capacity=teams + 5)
    base = f"http://{HOST}:{port}/"
    rss = [_rss_mb(proc.pid)]
    t = Timings()
    months: list[int] = []
    stop = time.monotonic() + args.seconds
    threads = [
        threading.Thread(
            target=participant, args=(k, base, room, f"team {k % teams}", keys, stop, t)
        )
        for k in range(args.participants)
    ]
    threads.append(threading.Thread(target=facilitator, args=(base, key, stop, t, months)))
    try:
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            rss.append(_rss_mb(proc.pid))
            time.sleep(1.0)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"{args.participants} participants in {teams} teams, {args.seconds:g} s, "
        f"facilitator at 1 month per {TICK_S:g} s: the room reached month "
        f"{max(months, default=0)}; {os.cpu_count()} CPUs"
    )
    print(f"{'request':<12} {'count':>6} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8} {'errors':>7}")
    for kind in ("page", "join", "poll", "lever", "facilitator"):
        ms = sorted(t.ms.get(kind, []))
        if ms:
            p50 = statistics.median(ms)
            p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
            errors = t.errors[kind]
            print(f"{kind:<12} {len(ms):>6} {p50:>8.0f} {p90:>8.0f} {ms[-1]:>8.0f} {errors:>7}")
    if t.errors.get("join refused"):
        print(f"joins refused: {t.errors['join refused']}")
    print(f"server memory (RSS): {rss[0]:.0f} MB at start, {max(rss):.0f} MB at most")
    return 0


if __name__ == "__main__":
    sys.exit(main())
