"""`cadresim dashboard [--host H] [--port P]` and `cadresim-dashboard`: serve the dashboard.

The port is checked before Dash starts, so a busy port gives one message and exit code 2.
"""

from __future__ import annotations

import argparse
import socket
import sys

from cadresim import cli

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="cadresim dashboard",
        description="Serve the training dashboard (offline; one process keeps all sessions).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (reloads code)")
    args = parser.parse_args(argv)  # argparse itself exits 2 on a malformed option
    if not 1 <= args.port <= 65535:
        cli.fail(f"--port = {args.port} is out of range; allowed [1, 65535]")
    return args


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def run(argv: list[str]) -> int:
    args = parse(argv)
    if not port_free(args.host, args.port):
        cli.fail(
            f"port {args.port} on {args.host} is already in use (another dashboard?); "
            "choose another with --port"
        )
    from .app import create_app  # noqa: PLC0415  (Dash is imported only when serving)

    app = create_app()
    print(f"cadresim dashboard: http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script `cadresim-dashboard`."""
    return run(sys.argv[1:] if argv is None else argv)


cli.SUBCOMMANDS["dashboard"] = run
