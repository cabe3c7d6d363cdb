"""One vocabulary and one palette: every outcome, lever shown and regime is named in both
languages, and the report's charts and the dashboard say and colour things the same way."""

from __future__ import annotations

import re
import typing
from dataclasses import fields, is_dataclass

from cadresim import palette
from cadresim import vocabulary as vocab
from cadresim.agents.types import TYPE_NAMES
from cadresim.dashboard import figures as dash_figures
from cadresim.dashboard.challenges import challenge_names, load_challenge
from cadresim.dashboard.i18n import t
from cadresim.dashboard.levers import LEVER_KEYS, preset_names
from cadresim.dashboard.session import ACTIONS, COUNTERS
from cadresim.experiments.charts import i18n as charts
from cadresim.model.config import CadreConfig
from cadresim.model.metrics import OUTCOMES

CJK = re.compile(r"[\u4e00-\u9fff]")


def named_in_both(en: str, zh: str, key: str) -> bool:
    return bool(en) and en != key and bool(CJK.search(zh)) and zh != en


def test_every_outcome_has_both_languages() -> None:
    for name in OUTCOMES:
        assert named_in_both(vocab.outcome_name(name, "en"), vocab.outcome_name(name, "zh"), name)
        assert vocab.outcome_label(name, "en").startswith(vocab.outcome_name(name, "en"))


def test_every_lever_shown_and_hidden_condition_has_both_languages() -> None:
    hidden = {key for name in challenge_names() for key, _ in load_challenge(name).hidden}
    for key in (*LEVER_KEYS, *hidden, *charts.PARAMS):
        assert named_in_both(vocab.lever_name(key, "en"), vocab.lever_name(key, "zh"), key), key


def test_every_numeric_knob_a_study_may_vary_has_both_languages() -> None:
    """A sweep, sensitivity analysis or calibration may vary any number of the model: its
    Chinese pages name each one in Chinese, never by the English doc."""

    def numeric(cls: type, prefix: str = ""):
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            kind = hints[f.name]
            if is_dataclass(kind):
                yield from numeric(kind, f"{prefix}{f.name}.")
            elif kind in (int, float):
                yield f"{prefix}{f.name}"

    keys = [
        k for k in numeric(CadreConfig) if k.startswith(("policy.", "behaviour.", "population."))
    ]
    assert len(keys) > 80
    for key in keys:
        assert named_in_both(vocab.lever_name(key, "en"), vocab.lever_name(key, "zh"), key), key


def test_lever_labels_in_english_come_from_the_schema() -> None:
    for key in LEVER_KEYS:
        label = vocab.knob_label(key)
        if label is not None:  # the knob's short name in the schema
            assert vocab.lever_name(key, "en") == label and len(label) <= 40, (key, label)
            continue
        doc = vocab.knob_doc(key)
        if doc is None:  # a bool field without a doc: the fallback names it
            assert vocab.lever_name(key, "en") == vocab.LEVER_FALLBACK[key]
            continue
        name = vocab.lever_name(key, "en")
        assert name[1:] in doc and name[0].lower() in doc.lower(), (key, name, doc)


def test_every_regime_type_counter_and_action_has_both_languages() -> None:
    for name in preset_names():
        en, zh = vocab.regime_label(name, "en"), vocab.regime_label(name, "zh")
        assert named_in_both(en, zh, name)
        assert vocab.regime_label(name, "en", modified=True) == f"{en} (modified)"
        assert vocab.regime_label(name, "zh", modified=True) == f"{zh}（已修改）"
    for book, label in (
        (TYPE_NAMES, vocab.type_label),
        (COUNTERS, vocab.counter_label),
        (ACTIONS, vocab.action_label),
    ):
        for name in book:
            assert named_in_both(label(name, "en"), label(name, "zh"), name)


def test_report_and_dashboard_use_the_same_words() -> None:
    for lang in vocab.LANGS:
        for name in ("initiative_rate", "error_rate", "misconduct_rate"):
            assert t(name, lang) == charts.outcome_name(name, lang)
        for name in TYPE_NAMES:
            assert t(name, lang) == charts.type_label(name, lang)
        for key in LEVER_KEYS:
            assert t(key, lang) == charts.param_name(key, lang)
        for name in preset_names():
            assert t(name, lang) == charts.regime_label(name, lang)
    assert charts.outcome_name("error_rate", "zh") == "无心之失率"
    assert charts.outcome_name("misconduct_rate", "zh") == "违纪违法率"


def test_report_and_dashboard_use_the_same_colours() -> None:
    assert dash_figures.TYPE_COLOURS == tuple(palette.TYPE_COLOURS[n] for n in TYPE_NAMES)
    assert set(preset_names()) <= set(palette.REGIME_COLOURS)
    for name in ("initiative_rate", "error_rate", "misconduct_rate"):
        assert dash_figures.SERIES_COLOURS[name] == palette.OUTCOME_COLOURS[name]
    for action in ACTIONS[1:]:
        assert dash_figures.ACTION_COLOURS[action] == palette.ACTION_COLOURS[action]
    from cadresim.experiments.charts import palette as chart_palette  # noqa: PLC0415

    assert chart_palette.TYPE_COLOURS is palette.TYPE_COLOURS


def test_every_knob_a_shipped_preset_varies_has_a_chinese_name():
    """Levers and uncertainties of the experiment presets, and the priors of the shipped
    calibration targets, are named in Chinese on zh pages (not left in English)."""
    from importlib import resources

    import yaml

    def dotted(tree, prefix=""):
        for key, value in (tree or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and not ({"values", "dist"} & set(value)):
                yield from dotted(value, path)
            else:
                yield path

    keys = set()
    for preset in resources.files("cadresim.configs").joinpath("experiment").iterdir():
        cfg = yaml.safe_load(preset.read_text(encoding="utf-8")) or {}
        for section, parts in (
            ("sweep", ("levers", "uncertainties")),
            ("calibrate", ("parameters",)),
        ):
            for part in parts:
                keys |= set(dotted((cfg.get(section) or {}).get(part)))
    targets = resources.files("cadresim.experiments.calibration").joinpath("targets")
    for file in targets.iterdir():
        if file.name.endswith(".yaml"):
            keys |= set(dotted(yaml.safe_load(file.read_text(encoding="utf-8")).get("parameters")))
    assert len(keys) >= 10
    missing = [k for k in sorted(keys) if vocab.lever_name(k, "zh") == vocab.lever_name(k, "en")]
    assert not missing
