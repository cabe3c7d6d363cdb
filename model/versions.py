"""Versions of the libraries a run's numbers depend on, recorded with every result.

numpy guarantees a random stream only within one version, and scipy, networkx, SALib, mesa,
pandas and pyarrow shape draws, networks, designs and tables; a seed reproduces a result only
with the same versions.
"""

from __future__ import annotations

import platform
from functools import cache
from importlib import metadata

LIBRARIES = ("numpy", "scipy", "networkx", "SALib", "mesa", "pandas", "pyarrow")


def library_versions() -> dict[str, str]:
    """Python and LIBRARIES -> installed version ('not installed' if absent)."""
    return dict(_versions())


@cache  # looked up once per process, not once per run
def _versions() -> tuple[tuple[str, str], ...]:
    out = [("python", platform.python_version())]
    for name in LIBRARIES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)
