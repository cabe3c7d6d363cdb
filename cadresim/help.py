"""What the command can do, read from the schema and the presets: `cadresim --help`,
`cadresim knobs [GROUP]` and `cadresim help KEY`.

Every knob's meaning, range or choices live in its field metadata in model/config.py (a test
keeps a `doc` on every leaf); preset descriptions are the `description` in each YAML file. Only
the YAML files are read for the presets (no Hydra compose), so help is quick.
"""

from __future__ import annotations

import functools
import sys
import typing
from dataclasses import MISSING, Field, fields, is_dataclass
from importlib import resources
from typing import Any

from cadresim.model.config import CadreConfig, _range_text, _type_text, unknown_key_message

GROUPS = ("policy", "population", "network", "experiment")
# the knobs `cadresim --help` shows; the rest: `cadresim knobs GROUP`
MAIN_KNOBS = (
    "seed",
    "steps",
    "population.size",
    "policy.tolerance.coverage",
    "policy.tolerance.screening",
    "policy.accountability.detection",
    "policy.accountability.error_sanction",
    "policy.incentive.reward",
    "policy.evaluation.orientation",
    "experiment.replications",
    "experiment.executor",
    "experiment.dry_run",
    "write",
    "output_dir",
)


def leaves(cls: Any = CadreConfig, prefix: str = "") -> dict[str, tuple[Any, Field]]:
    """Dotted key -> (type, field) for every single setting of the schema."""
    out: dict[str, tuple[Any, Field]] = {}
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        key, tp = f"{prefix}{f.name}", hints[f.name]
        if is_dataclass(tp):
            out.update(leaves(tp, key + "."))
        else:
            out[key] = (tp, f)
    return out


def groups() -> list[str]:
    """Dotted keys of the groups of settings (policy, policy.tolerance, ...)."""
    found = {k.rsplit(".", 1)[0] for k in leaves() if "." in k}
    for key in list(found):
        parts = key.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return sorted(found)


@functools.cache
def presets(group: str) -> dict[str, str]:
    """Preset name -> its one-line description, from configs/GROUP/*.yaml."""
    import yaml  # noqa: PLC0415

    out: dict[str, str] = {}
    folder = resources.files("cadresim.configs") / group
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        node = data.get(group, data) if group == "experiment" else data
        out[path.name[: -len(".yaml")]] = str(node.get("description", "")).strip()
    return out


def _default(f: Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def choices(key: str) -> tuple[str, ...]:
    """The allowed values of a choice knob; experiment kinds are those the command registers."""
    if key == "experiment.name":
        from cadresim.cli import EXPERIMENT_MODULES  # noqa: PLC0415

        return ("single", *EXPERIMENT_MODULES)
    return tuple(leaves()[key][1].metadata.get("choices", ()))


def allowed(key: str) -> str:
    tp, f = leaves()[key]
    if choices(key):
        return "one of " + ", ".join(choices(key))
    lo, hi = f.metadata.get("range", (None, None))
    _, kind = _type_text(tp)
    if lo is not None or hi is not None:
        return f"{kind} in {_range_text(lo, hi)}"
    return kind


def short_allowed(key: str) -> str:
    """`allowed` in a table column: [0, 1], int [1, 1000000], a|b, true|false, text."""
    tp, f = leaves()[key]
    if choices(key):
        return "|".join(choices(key))
    lo, hi = f.metadata.get("range", (None, None))
    if lo is not None or hi is not None:
        if hi is not None and hi >= 2**62:  # a seed's bound: too long for the column
            hi = None
        if hi is None and lo is not None:  # not "[0, inf]": inf is not an allowed value
            return ("int " if tp is int else "") + f">= {lo:g}"
        return ("int " if tp is int else "") + _range_text(lo, hi)
    return {bool: "true|false", str: "text"}.get(tp, allowed(key).split(",")[0])


def knob_line(key: str, width: int = 40) -> str:
    _, f = leaves()[key]
    doc = f.metadata.get("doc", "")
    default = _show(_default(f))
    default = default if len(default) <= 12 else default[:11] + "…"  # cadresim help KEY: whole
    return f"  {key:<{width}} {default:>8}  {short_allowed(key):<20} {doc}"


def main_help() -> str:
    from cadresim.cli import SUBCOMMAND_MODULES  # noqa: PLC0415

    lines = [
        "usage: cadresim [KEY=VALUE ...]         one run, or an experiment with experiment=NAME",
        "       cadresim -m KEY=A,B ...          a multirun: one run per combination of values",
        "       cadresim COMMAND [ARGS]          one of the commands below",
        "       cadresim --version",
        "",
        "commands:",
    ]
    lines += [f"  {name:<12} {text}" for name, (_, text) in SUBCOMMAND_MODULES.items()]
    lines += ["", "presets (GROUP=NAME, e.g. policy=tolerance_only):"]
    for group in GROUPS:
        lines.append(f"  {group}:")
        lines += [f"    {name:<24} {text}" for name, text in presets(group).items()]
    lines += ["", "main knobs (KEY=VALUE; default, allowed, meaning):"]
    lines += [knob_line(key, 38) for key in MAIN_KNOBS]
    lines += [
        "",
        "all knobs: cadresim knobs [GROUP]; one knob: cadresim help KEY",
        "before a long experiment: experiment.dry_run=true prints the run count and a time "
        "estimate",
        "Hydra's own flags still work: --cfg job (print the composed config), --info, --hydra-help",
    ]
    return "\n".join(lines)


def _bad(message: str) -> int:
    print(f"cadresim: error: {message}", file=sys.stderr)
    return 2


def knobs_main(argv: list[str]) -> int:
    """`cadresim knobs [GROUP]`: every knob under GROUP (all without one)."""
    if argv in (["-h"], ["--help"]):
        print("usage: cadresim knobs [GROUP]   every knob under GROUP (e.g. policy.tolerance)")
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        return _bad("usage: cadresim knobs [GROUP], e.g. cadresim knobs policy.tolerance")
    group = argv[0] if argv else ""
    if group and group not in groups():
        if group in leaves():
            return help_main([group])
        return _bad(f"knobs: {group!r} is not a group; allowed {', '.join(groups())}")
    keys = [k for k in leaves() if not group or k.startswith(group + ".")]
    width = max(len(k) for k in keys)
    print(f"  {'key':<{width}} {'default':>8}  {'allowed':<20} meaning")
    for key in keys:
        print(knob_line(key, width))
    if not group or group in GROUPS:
        for g in [group] if group else GROUPS:
            print(f"{g} presets: {', '.join(presets(g))}")
    return 0


def help_main(argv: list[str]) -> int:
    """`cadresim help KEY`: one knob's meaning, default, allowed values and preset values."""
    if argv in (["-h"], ["--help"]):
        print("usage: cadresim help KEY   one knob's meaning, default, allowed values, presets")
        return 0
    if len(argv) != 1 or argv[0].startswith("-"):
        return _bad("usage: cadresim help KEY, e.g. cadresim help policy.tolerance.coverage")
    key = argv[0]
    if key in GROUPS or key in groups():
        return knobs_main([key])
    if key not in leaves():
        return _bad(unknown_key_message(key))
    _, f = leaves()[key]
    print(f"{key}: {f.metadata.get('doc', '')}")
    print(f"  default: {_show(_default(f))}")
    print(f"  allowed: {allowed(key)}")
    group, _, rest = key.partition(".")
    if group in GROUPS and rest:
        values = _preset_values(group, rest)
        if values:
            shown = ", ".join(f"{name}={_show(v)}" for name, v in values.items())
            print(f"  set by {group} presets: {shown}")
    print(f"  e.g. cadresim {key}={_show(_default(f))}")
    return 0


def _preset_values(group: str, rest: str) -> dict[str, Any]:
    """Preset name -> the value its YAML sets for `rest` (only presets that set it)."""
    import yaml  # noqa: PLC0415

    out: dict[str, Any] = {}
    folder = resources.files("cadresim.configs") / group
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".yaml"):
            continue
        node: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if group == "experiment":
            node = node.get("experiment", {})
        for part in rest.split("."):
            node = node.get(part, MISSING) if isinstance(node, dict) else MISSING
        if node is not MISSING:
            out[path.name[: -len(".yaml")]] = node
    return out


def _register() -> None:
    from cadresim import cli  # noqa: PLC0415

    cli.SUBCOMMANDS["knobs"] = knobs_main
    cli.SUBCOMMANDS["help"] = help_main


_register()
