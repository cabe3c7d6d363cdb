"""Policy timelines: `policy.schedule` switches the regime, or sets lever values, for a span of
months, e.g. tolerance introduced at month 48 or a 12-month crackdown (从严问责 campaign) from
month 60:

    policy.schedule=[{start:48,regime:tolerance_only}]
    policy.schedule=[{start:60,end:72,regime:strict_accountability}]
    policy.schedule=[{start:60,end:72,set:{accountability.detection:0.6}}]

An episode is {start, end, regime, set}. During months start ≤ t < end (end null: to the end of
the run) the policy in force is the preset `regime` (configs/policy/NAME.yaml on the schema
defaults, as `policy=NAME` gives; null: the run's own policy) with `set` applied on top; `set`
maps lever keys relative to `policy.` (`tolerance.coverage`) to values. Outside every episode
the run's own policy is in force. Episodes may not overlap.

`check_schedule` validates a schedule (called by `validate`); `PolicyTimeline` builds each
episode's policy once per run, so the engine only swaps a ready `PolicyConfig` at the months
where the policy changes.
"""

from __future__ import annotations

import bisect
import copy
import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from importlib import resources
from typing import Any

from omegaconf import DictConfig, OmegaConf

from cadresim.model.config import (
    CadreConfig,
    ConfigError,
    PolicyConfig,
    _schema_nodes,
    unknown_key_message,
    validate,
    wrong_type_message,
)

KEY = "policy.schedule"
PRESET_PACKAGE = "cadresim.configs"  # = model.compose.CONFIG_MODULE (not imported: no Hydra here)
NOT_LEVERS = ("name", "description", "schedule")  # policy keys an episode cannot set


@dataclass(frozen=True)
class Episode:
    """Months start ≤ t < end (end None: open-ended) under preset `regime` (None: the run's own
    policy) with the lever values `set` (keys relative to `policy.`) on top."""

    start: int
    end: int | None = None
    regime: str | None = None
    set: dict[str, Any] = field(default_factory=dict)

    def covers(self, month: int) -> bool:
        return self.start <= month and (self.end is None or month < self.end)

    def label(self) -> str:
        """E.g. 'strict_accountability' or 'tolerance_only, tolerance.coverage=0.9'."""
        parts = [self.regime] if self.regime else []
        parts += [f"{k}={_show(v)}" for k, v in _leaves(self.set).items()]
        return ", ".join(parts)

    def months(self) -> str:
        return f"months {self.start}–{'end' if self.end is None else self.end - 1}"


def check_schedule(cfg: CadreConfig) -> None:
    """Raise ConfigError (one line naming the key and the allowed range) if `policy.schedule`
    has a month out of range, end ≤ start, overlapping episodes, an unknown regime or lever, or
    a lever value out of its range."""
    if cfg.policy.schedule:
        _build(cfg)


class PolicyTimeline:
    """The policy in force at each month of one run, built once from its config.

    `policy_at(t)` is a bisect over the episodes' starts; `apply(cfg, t)`, called at the top of
    each step, swaps `cfg.policy` only at the months where the policy changes, so without a
    schedule it never touches the config (a lever moved in the dashboard stays moved)."""

    def __init__(self, cfg: CadreConfig) -> None:
        self.base: PolicyConfig = cfg.policy
        self.steps = cfg.steps
        built = _build(cfg) if cfg.policy.schedule else []
        self.episodes: list[Episode] = [e for e, _ in built]
        self.policies: list[PolicyConfig] = [p for _, p in built]
        self._starts = [e.start for e in self.episodes]
        months = {e.start for e in self.episodes} | {e.end for e in self.episodes if e.end}
        self.changes: dict[int, PolicyConfig] = {m: self.policy_at(m) for m in sorted(months)}

    def __len__(self) -> int:
        return len(self.episodes)

    def policy_at(self, step: int) -> PolicyConfig:
        """The policy in force in month `step` (1 is the first month of the run)."""
        i = bisect.bisect_right(self._starts, step) - 1
        if i >= 0 and self.episodes[i].covers(step):
            return self.policies[i]
        return self.base

    def apply(self, cfg: CadreConfig, step: int) -> None:
        """Put the policy in force in month `step` into `cfg` if it changes in that month."""
        policy = self.changes.get(step)
        if policy is not None:
            cfg.policy = policy

    def episodes_for_report(self) -> list[tuple[int, int, str]]:
        """(start, end, label) of each episode for shading charts: months start ≤ t < end, an
        open-ended episode ending at steps + 1."""
        return [
            (e.start, self.steps + 1 if e.end is None else e.end, e.label()) for e in self.episodes
        ]


# ---------------------------------------------------------------- building and checking


def _build(cfg: CadreConfig) -> list[tuple[Episode, PolicyConfig]]:
    """Each episode, ordered by start, with the policy in force during it."""
    raw = cfg.policy.schedule
    if not isinstance(raw, list | tuple):
        raise ConfigError(f"{KEY} = {_show(raw)} is not a list; allowed a list of episodes, {_EG}")
    episodes = [(i, _episode(item, f"{KEY}[{i}]", cfg.steps)) for i, item in enumerate(raw)]
    episodes.sort(key=lambda x: x[1].start)
    for (i, a), (j, b) in zip(episodes, episodes[1:], strict=False):
        if a.end is None or a.end > b.start:
            if a.end is None:
                fix = f"give {KEY}[{i}].end ≤ {b.start} or {KEY}[{j}] another start"
            else:
                fix = f"allowed {KEY}[{j}].start ≥ {a.end} (episodes must not overlap)"
            raise ConfigError(
                f"{KEY}[{j}] ({b.months()}) overlaps {KEY}[{i}] ({a.months()}); {fix}"
            )
    return [(e, _policy(cfg, e, f"{KEY}[{i}]")) for i, e in episodes]


_EG = "e.g. [{start:60,end:72,regime:strict_accountability}]"


def _episode(item: Any, where: str, steps: int) -> Episode:
    if isinstance(item, Episode):
        item = {f.name: getattr(item, f.name) for f in fields(item)}
    if isinstance(item, DictConfig):
        item = OmegaConf.to_container(item, resolve=True)
    if not isinstance(item, Mapping):
        raise ConfigError(
            f"{where} = {_show(item)} is not an episode; allowed a mapping "
            f"{{start, end, regime, set}}, {_EG}"
        )
    names = [f.name for f in fields(Episode)]
    for key in item:
        if key not in names:
            near = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ConfigError(
                f"{where}.{key} is not an episode key{hint}; allowed {', '.join(names)}"
            )
    if "start" not in item:
        raise ConfigError(f"{where}.start is missing; allowed an integer month in [1, {steps}]")
    start, end = item["start"], item.get("end")
    if not _is_int(start) or not 1 <= start <= steps:
        why = "is out of range" if _is_int(start) else "is not an integer"
        raise ConfigError(
            f"{where}.start = {_show(start)} {why}; allowed an integer month in "
            f"[1, {steps}] (steps = {steps})"
        )
    if end is not None and (not _is_int(end) or not start < end <= steps + 1):
        why = "is out of range" if _is_int(end) else "is not an integer"
        why = "must be after start" if _is_int(end) and end <= start else why
        raise ConfigError(
            f"{where}.end = {_show(end)} {why}; allowed an integer month in "
            f"[{start + 1}, {steps + 1}] (start = {start}, steps = {steps}; end is exclusive) "
            "or null (to the end of the run)"
        )
    regime = item.get("regime")
    if regime is not None:
        if not isinstance(regime, str) or regime not in policy_presets():
            raise ConfigError(
                f"{where}.regime = {_show(regime)} is not a preset (no configs/policy/"
                f"{regime}.yaml); allowed {', '.join(policy_presets())} or null (the run's policy)"
            )
    sets = item.get("set") or {}
    if isinstance(sets, DictConfig):
        sets = OmegaConf.to_container(sets, resolve=True)
    if not isinstance(sets, Mapping):
        raise ConfigError(
            f"{where}.set = {_show(sets)} is not a mapping; allowed {{lever: value}} with keys "
            "relative to policy., e.g. {accountability.detection:0.6}"
        )
    if regime is None and not sets:
        raise ConfigError(
            f"{where} changes nothing; give regime (a policy preset) and/or set "
            "(e.g. {accountability.detection:0.6})"
        )
    return Episode(int(start), None if end is None else int(end), regime, dict(sets))


def _policy(cfg: CadreConfig, episode: Episode, where: str) -> PolicyConfig:
    """The preset (or the run's policy) with the episode's lever values on top, validated."""
    sets = _leaves(episode.set)
    # composing through omegaconf costs ~10 ms, and a sweep validates each point's config a few
    # times: keep the composed policies (the run's own policy matters only if regime is null)
    key = (episode.regime, repr(sorted(sets.items())), episode.regime or repr(cfg.policy))
    if key not in _COMPOSED:
        if len(_COMPOSED) >= 256:
            _COMPOSED.clear()
        _COMPOSED[key] = _compose(cfg.policy, episode.regime, sets, where)
    policy = copy.deepcopy(_COMPOSED[key])
    try:
        validate(replace(cfg, policy=policy))
    except ConfigError as exc:
        part = "set" if episode.set else "regime"
        raise ConfigError(f"{where}.{part}: {exc}") from None
    return policy


_COMPOSED: dict[tuple[str | None, str, str], PolicyConfig] = {}


def _compose(
    base: PolicyConfig, regime: str | None, sets: dict[str, Any], where: str
) -> PolicyConfig:
    """The preset `regime` on the schema (or `base` if None), then the dotted lever values."""
    if regime is not None:
        conf = OmegaConf.merge(OmegaConf.structured(PolicyConfig), _preset(regime))
    else:
        conf = OmegaConf.structured(base)
    conf.schedule = []
    nodes = _schema_nodes()
    for key, value in sets.items():
        lever = key.removeprefix("policy.")
        if lever.split(".")[0] in NOT_LEVERS:
            raise ConfigError(
                f"{where}.set: {lever} is not a lever an episode can set; "
                "allowed keys under policy. other than name, description, schedule"
            )
        if f"policy.{lever}" not in nodes:
            raise ConfigError(f"{where}.set: {_unknown_lever(lever, nodes)}")
        if is_dataclass(nodes[f"policy.{lever}"]):
            raise ConfigError(f"{where}.set: {wrong_type_message(f'policy.{lever}', value)}")
        try:
            OmegaConf.update(conf, lever, value, merge=False)
        except Exception as exc:  # omegaconf's type errors
            first = str(getattr(exc, "msg", None) or exc).strip().splitlines()[0]
            message = wrong_type_message(f"policy.{lever}", value, first)
            raise ConfigError(f"{where}.set: {message}") from None
    policy = OmegaConf.to_object(conf)
    assert isinstance(policy, PolicyConfig)
    return policy


def _unknown_lever(key: str, nodes: dict[str, Any]) -> str:
    """One line for a `set` key that is no lever: the nearest levers, and what is allowed."""
    group = "policy." + key.rpartition(".")[0]
    if "." in key and is_dataclass(nodes.get(group)):
        return unknown_key_message(f"policy.{key}")  # the group exists: its keys are allowed
    levers = [
        k.removeprefix("policy.")
        for k, tp in nodes.items()
        if k.startswith("policy.") and not is_dataclass(tp)
    ]
    levers = [k for k in levers if k.split(".")[0] not in NOT_LEVERS]
    last = key.rpartition(".")[2]
    near = difflib.get_close_matches(key, levers, n=3, cutoff=0.8)
    near += [k for k in levers if k.rpartition(".")[2] == last]
    if not near:
        near = difflib.get_close_matches(key, levers, n=3)
        near += [k for k in levers if difflib.get_close_matches(last, [k.rpartition(".")[2]])]
    near = list(dict.fromkeys(near))[:3]
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    groups = [k[7:] for k, tp in nodes.items() if k.startswith("policy.") and is_dataclass(tp)]
    return (
        f"{key} is not a policy lever{hint}; keys are relative to policy., e.g. "
        f"accountability.detection; allowed groups: {', '.join(groups)}"
    )


# ---------------------------------------------------------------- presets


def policy_presets() -> tuple[str, ...]:
    """Names of configs/policy/*.yaml, sorted as Hydra lists them."""
    folder = resources.files(PRESET_PACKAGE) / "policy"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


@functools.cache
def _preset(name: str) -> DictConfig:
    """configs/policy/NAME.yaml as read (merged onto the schema by the caller; not mutated)."""
    text = (resources.files(PRESET_PACKAGE) / "policy" / f"{name}.yaml").read_text("utf-8")
    conf = OmegaConf.create(text)
    assert isinstance(conf, DictConfig)
    return conf


# ---------------------------------------------------------------- helpers


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    return repr(value) if isinstance(value, str) else str(value)


def _leaves(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested `set` mappings as dotted keys (a label shows tolerance.coverage=0.9)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        out.update(_leaves(v, key + ".") if isinstance(v, Mapping) else {key: v})
    return out
