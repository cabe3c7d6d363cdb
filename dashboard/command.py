"""`cadresim dashboard [options]` and `cadresim-dashboard`: serve the dashboard.

Served by waitress (a production WSGI server: one process, several threads, no request log
unless `--verbose`), on 127.0.0.1 unless `--host` says otherwise. `--debug` runs Dash's own
development server with its debugger but without the reloader, whose second process would find
the port taken. `--classroom` serves a facilitator view and team views of one room and prints
the room code. Every flag is checked before anything starts: a bad one gives one line and exit
code 2.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from cadresim import cli

from .session import DEFAULT_CAPACITY, DEFAULT_IDLE_MINUTES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
DEFAULT_THREADS = 8
CAPACITY_RANGE = (1, 500)
IDLE_RANGE = (1.0, 24 * 60.0)
THREADS_RANGE = (1, 64)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="cadresim dashboard",
        description="Serve the training dashboard (offline; one process keeps all sessions).",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind; default {DEFAULT_HOST}"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument(
        "--classroom",
        action="store_true",
        help="serve a room: a facilitator view and team views (prints the room code)",
    )
    parser.add_argument(
        "--challenge",
        default=None,
        help="classroom: the scenario challenge (a preset in dashboard/challenge_presets/); "
        "default the first",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_CAPACITY,
        help=f"browser tabs and classroom teams kept at once; default {DEFAULT_CAPACITY}",
    )
    parser.add_argument(
        "--idle-minutes",
        type=float,
        default=DEFAULT_IDLE_MINUTES,
        help=f"a session untouched this long expires; default {DEFAULT_IDLE_MINUTES:g}",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"server threads; default {DEFAULT_THREADS}",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--debug", action="store_true", help="Dash's development server and debugger (no reloader)"
    )
    args = parser.parse_args(argv)  # argparse itself exits 2 on a malformed option
    if not 1 <= args.port <= 65535:
        cli.fail(f"--port = {args.port} is out of range; allowed [1, 65535]")
    _check_range("--max-sessions", args.max_sessions, CAPACITY_RANGE)
    _check_range("--idle-minutes", args.idle_minutes, IDLE_RANGE)
    _check_range("--threads", args.threads, THREADS_RANGE)
    if args.challenge is not None and not args.classroom:
        cli.fail("--challenge is a classroom option; add --classroom")
    if args.classroom:
        from .challenges import challenge_names  # noqa: PLC0415

        names = challenge_names()
        if args.challenge is not None and args.challenge not in names:
            cli.fail(f"--challenge = {args.challenge!r} is unknown; allowed {', '.join(names)}")
    return args


def _check_range(flag: str, value: float, bounds: tuple[float, float]) -> None:
    lo, hi = bounds
    if not lo <= value <= hi:  # NaN fails too
        cli.fail(f"{flag} = {value} is out of range; allowed [{lo:g}, {hi:g}]")


def bind_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None if it can: a taken port, an
    address that is not this machine's and a name that does not resolve each get their own
    message (all three are OSErrors to bind)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        return f"--host = {host!r} is not an address or a known host name ({exc})"
    with socket.socket(family, kind, proto) as sock:
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use (another dashboard?); "
                    "choose another with --port"
                )
            if exc.errno == errno.EADDRNOTAVAIL:
                return (
                    f"--host = {host!r} is not an address of this machine; allowed 127.0.0.1 "
                    "(this machine only), 0.0.0.0 (every network) or one of its own addresses"
                )
            return f"cannot listen on {host} port {port}: {exc.strerror or exc}"
    return None


def request_log(app: Callable[..., Any]) -> Callable[..., Any]:
    """WSGI middleware printing one line per request (method, path, status, milliseconds)."""

    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        began = time.perf_counter()
        status: list[str] = []

        def start(code: str, headers: list[Any], exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        body = app(environ, start)
        ms = 1000 * (time.perf_counter() - began)
        path = environ.get("PATH_INFO", "")
        print(f"{environ.get('REQUEST_METHOD')} {path} {''.join(status)} {ms:.0f} ms", flush=True)
        return body

    return logged


def run(argv: list[str]) -> int:
    args = parse(argv)
    problem = bind_problem(args.host, args.port)
    if problem:
        cli.fail(problem)
    from .session import STORE  # noqa: PLC0415  (Dash is imported only when serving)

    STORE.configure(args.max_sessions, args.idle_minutes)
    url = f"http://{f'[{args.host}]' if ':' in args.host else args.host}:{args.port}/"
    if args.classroom:
        from .classroom_app import create_classroom  # noqa: PLC0415

        server, room, apps = create_classroom(args.challenge)
        print(f"cadresim classroom: room {room.code}; participants open {url}", flush=True)
        print(f"facilitator: {url}facilitator/?key={room.key}  (keep this link to yourself)")
    else:
        from .app import create_app  # noqa: PLC0415

        apps = [create_app()]
        server = apps[0].server
        print(f"cadresim dashboard: {url}", flush=True)
    print(
        f"at most {args.max_sessions} sessions; idle ones expire after {args.idle_minutes:g} "
        "minutes (Ctrl+C to stop)",
        flush=True,
    )
    if args.debug:  # Dash's dev tools on every app; Flask's server, without the reloader
        for dash_app in apps:
            dash_app.enable_dev_tools(debug=True, dev_tools_hot_reload=False)
        server.run(host=args.host, port=args.port, debug=True, use_reloader=False, threaded=True)
        return 0
    from waitress import create_server  # noqa: PLC0415

    if not args.verbose:  # "Task queue depth is N" once per busy request: only with --verbose
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    wsgi = request_log(server) if args.verbose else server
    create_server(wsgi, host=args.host, port=args.port, threads=args.threads).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script `cadresim-dashboard`."""
    return run(sys.argv[1:] if argv is None else argv)


cli.SUBCOMMANDS["dashboard"] = run
