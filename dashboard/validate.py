"""Every value a callback receives, checked against what the page can send before any work.

The page only sends numbers its controls allow, but a request can be crafted: a NaN size, a list
of levers of the wrong length, a speed of 10**9. Each is refused with a message naming the
control and what it allows (in the page's language), the session is left as it was, and no
request can make the server build or run more than the page itself could ask for.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cadresim import vocabulary as vocab
from cadresim.agents.types import TYPE_NAMES
from cadresim.model.config import ConfigError

from .levers import LEVERS, SIZE_RANGE, preset_names

SPEEDS = (1, 2, 5, 10)  # months per tick the page offers; the server accepts no other
SEED_RANGE = (0, 2**32 - 1)
TEAM_NAME_MAX = 24


class InputError(ConfigError):
    """A value the page could not have sent; `text(lang)` says which and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key} = {_show(value)} is not allowed; allowed {allowed}")

    def text(self, lang: str) -> str:
        if lang != "zh":
            return str(self)
        return f"{_zh_name(self.key)}（{self.key}）= {_show(self.value)} 无效；允许 {self.allowed}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _zh_name(key: str) -> str:
    name = key.removeprefix("population.mix.")
    if name in vocab.TYPES:
        return f"{vocab.type_label(name, 'zh')}占比"
    return {
        "population.size": "干部人数",
        "seed": "随机种子",
        "speed": "速度",
        "regime": "政策情景",
        "compare": "并排对比",
        "levers": "政策杠杆",
        "population.mix": "干部类型构成",
        "lang": "语言",
        "room": "房间号",
        "team": "小组名称",
    }.get(name, vocab.lever_name(key, "zh") if key.startswith("policy.") else key)


_RANGE = re.compile(r"^(?P<key>[\w.]+) = (?P<value>.+?) is out of range; allowed (?P<allowed>.+)$")
_SUM = re.compile(r"^population\.mix sums to (?P<total>\S+); the six shares must sum to 1$")
_EMPTY = re.compile(r"^(?P<key>[\w.]+) is empty; enter a number$")


def message(exc: ConfigError, lang: str) -> str:
    """A refused value's message in `lang` (the model's own messages are English; the usual
    ones are translated, others are shown as they are after a Chinese lead-in)."""
    if isinstance(exc, InputError):
        return exc.text(lang)
    text = str(exc)
    if lang != "zh":
        return text
    if m := _RANGE.match(text):
        key = m["key"]
        return f"{_zh_name(key)}（{key}）= {m['value']} 超出范围；允许 {m['allowed']}"
    if m := _SUM.match(text):
        return f"干部类型构成合计为 {m['total']}；六类占比之和须为1"
    if m := _EMPTY.match(text):
        return f"{_zh_name(m['key'])}（{m['key']}）为空；请输入数字"
    return f"输入无效：{text}"


def number(value: Any, key: str, lo: float, hi: float, *, whole: bool = False) -> float | None:
    """A finite number in [lo, hi] (None passes: an empty field is the model's to report)."""
    if value is None or value == "":
        return None
    allowed = f"[{lo:g}, {hi:g}]" + (" (whole number)" if whole else "")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(key, value, allowed)
    if not math.isfinite(value) or not lo <= value <= hi or (whole and value != int(value)):
        raise InputError(key, value, allowed)
    return value


def choice(value: Any, key: str, allowed: tuple[Any, ...]) -> Any:
    if isinstance(value, bool) or value not in allowed:
        raise InputError(key, value, ", ".join(map(str, allowed)))
    return value


def values_list(value: Any, key: str, n: int) -> list[Any]:
    """A pattern-matching input: a list with one value per control on the page."""
    if not isinstance(value, list) or len(value) != n:
        got = len(value) if isinstance(value, list) else type(value).__name__
        raise InputError(key, f"<{got} values>", f"a list of {n} values")
    return value


def lever(key: str, value: Any) -> float | None:
    """A lever's value as its control sends it: a slider's number in the slider's range, a
    switch's checklist ([] or [1])."""
    spec = next(lv for lv in LEVERS if lv.key == key)
    if spec.switch:
        if value is None:
            return None
        if not isinstance(value, list) or any(v != 1 or isinstance(v, bool) for v in value):
            raise InputError(key, value, "[] (off) or [1] (on)")
        return float(bool(value))
    return number(value, key, spec.lo, spec.hi)


def levers(values: Any, keys: tuple[str, ...] | None = None) -> dict[str, float | None]:
    keys = keys if keys is not None else tuple(lv.key for lv in LEVERS)
    raw = values_list(values, "levers", len(keys))
    return {key: lever(key, v) for key, v in zip(keys, raw, strict=True)}


def finite(value: Any, key: str, allowed: str) -> Any:
    """A number or nothing; its range is checked when it is applied (on reset), so a value
    typed out of range gives the model's message there and the run goes on meanwhile."""
    if value is None or value == "":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(key, value, allowed)
    return value


def mix(values: Any) -> dict[str, Any]:
    raw = values_list(values, "population.mix", len(TYPE_NAMES))
    return {
        name: finite(v, f"population.mix.{name}", "a number in [0, 1]")
        for name, v in zip(TYPE_NAMES, raw, strict=True)
    }


def size(value: Any) -> Any:
    lo, hi = SIZE_RANGE
    return finite(value, "population.size", f"a whole number in [{lo}, {hi}]")


def seed(value: Any) -> Any:
    value = finite(value, "seed", f"a whole number in [{SEED_RANGE[0]}, {SEED_RANGE[1]}]")
    if value not in (None, "") and not SEED_RANGE[0] <= value <= SEED_RANGE[1]:
        raise InputError("seed", value, f"a whole number in [{SEED_RANGE[0]}, {SEED_RANGE[1]}]")
    return value


def speed(value: Any) -> int:
    return 1 if value is None else int(choice(value, "speed", SPEEDS))


def preset(value: Any, key: str = "regime", optional: bool = False) -> str | None:
    if optional and value in (None, ""):
        return None
    return choice(value, key, preset_names())


def lang(value: Any) -> str:
    return value if value in vocab.LANGS else "en"
