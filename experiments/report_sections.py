"""The report's prose sections from a results folder: question, what varied, regimes, key
findings, glossary and the methods note of the kind of experiment, in English or Chinese."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from . import report_findings as KF
from . import report_text as RT
from .charts import figures as F
from .charts import i18n
from .page_templates import table_html
from .report_results import (
    MAX_TABLE_ROWS,
    Results,
    as_int,
    design_of,
    get_key,
    ordered,
    regime_names,
    resolved_config,
    summary_window,
)


def cycle_note(cfg: dict[str, Any], lang: str) -> str:
    return RT.t("cycle_note", lang, cycle=as_int(get_key(cfg, "policy.evaluation.cycle"), 12))


def glossary_intro(cfg: dict[str, Any], lang: str) -> str:
    a, b = summary_window(cfg)
    pct = round(100 * (b - a + 1) / b) if b else 50
    return RT.t("glossary_window", lang, a=a, b=b, pct=pct)


def shown_outcomes(res: Results) -> list[str]:
    """Every outcome the report's tables hold, key outcomes first."""
    found: set[str] = set()
    for table in (res.runs, res.steps):
        if table is not None:
            found |= {c for c in table.columns if c in i18n.OUTCOMES}
    for table in (res.comparison, res.crackdown, res.deterrence, res.sensitivity):
        if table is not None and "outcome" in table:
            found |= {str(o) for o in pd.unique(table["outcome"]) if o in i18n.OUTCOMES}
    return ordered(sorted(found, key=list(i18n.OUTCOMES).index))


def question(m: dict[str, Any], kind: str, lang: str) -> str:
    """The user's question, else the experiment's: in Chinese from report_text (manifests
    carry English descriptions), in English from the manifest."""
    asked = m.get("question")
    if isinstance(asked, str) and asked:
        return asked
    if lang == "zh":
        return RT.question(kind, lang) or i18n.text("no_question", lang)
    desc = m.get("description")
    if isinstance(desc, str) and desc:
        return desc
    return RT.question(kind, lang) or i18n.text("no_question", lang)


def regimes(res: Results, lang: str) -> list[dict[str, str]]:
    return [
        {
            "name": r,
            "label": i18n.regime_label(r, lang),
            "description": RT.regime_description(
                r.removesuffix(i18n.CAMPAIGN_SUFFIX), _describe(res, r), lang
            ),
        }
        for r in regime_names(res)
    ]


def _lever_specs(res: Results) -> list[tuple[str, str, str]]:
    """(key, role, 'lo – hi' or the values) of every varied factor: from the manifest's design,
    else the ranges seen in the runs table."""
    out = []
    for role in ("levers", "uncertainties"):
        for spec in design_of(res).get(role) or []:
            if not isinstance(spec, dict) or "key" not in spec:
                continue
            if "values" in spec and isinstance(spec["values"], list):
                span = ", ".join(F._fmt(v) for v in spec["values"])
            else:
                span = f"{F._fmt(spec.get('lo'))} – {F._fmt(spec.get('hi'))}"
            out.append((str(spec["key"]), role, span))
    if not out:
        table = res.runs if res.runs is not None else res.steps
        for k in res.levers:
            out.append((k, "levers", f"{table[k].min():.3g} – {table[k].max():.3g}"))
    return out


def varied(res: Results, lang: str) -> list[str]:
    return [f"{i18n.param_label(k, lang)} ({k}): {span}" for k, _, span in _lever_specs(res)]


def config_rows(res: Results, lang: str) -> list[tuple[str, str]]:
    """What the reader needs to know varied and what held: the regimes (not one regime's
    name), levers with their ranges, replications and seeds, population, network, months."""
    cfg, src, design = resolved_config(res), res.source, design_of(res)
    t = partial(RT.t, lang=lang)
    kind = RT.named(RT.KINDS, res.kind, lang)
    rows = [(i18n.text("kind", lang), f"{kind} ({res.kind})" if kind != res.kind else kind)]
    regimes = regime_names(res)
    sep = "、" if lang == "zh" else ", "
    if len(regimes) > 1:
        rows.append((i18n.text("regimes", lang), sep.join(i18n.regime_label(r, lang)
                                                           for r in regimes)))  # fmt: skip
        base = design.get("baseline")
        if isinstance(base, str):
            rows.append((t("baseline"), i18n.regime_label(base, lang)))
    elif regimes or get_key(cfg, "policy.name"):
        policy = regimes[0] if regimes else str(get_key(cfg, "policy.name"))
        rows.append((t("policy_row"), i18n.regime_label(policy, lang)))
    specs = _lever_specs(res)
    for role, key in (("levers", "levers_row"), ("uncertainties", "uncertainties_row")):
        items = [f"{i18n.param_name(k, lang)} {span}" for k, r, span in specs if r == role]
        if items:
            rows.append((t(key), "; ".join(items)))
    if isinstance(design.get("design"), str):
        points = design.get("points") or (len(res.design) if res.design is not None else "—")
        rows.append((t("design_kind"), f"{RT.named(RT.DESIGNS, design['design'], lang)}: " + t(
            "design_points_n", points=points, reps=design.get("replications", "—"))))  # fmt: skip
    campaign = design.get("campaign")
    if isinstance(campaign, dict) and "start" in campaign:
        rows.append((t("campaign_row"), i18n.text(
            "episode", lang, label=i18n.episode_label(str(campaign.get("label", "")), lang),
            a=campaign["start"], b=as_int(campaign.get("end"), 0) - 1)))  # fmt: skip
    rows.append((t("replications"), str(src.replications or "—")))
    seeds = F.format_seeds(src.seeds, lang)
    if len(src.seeds) > 1 and "(" not in seeds:
        seeds += f" ({RT.t('n_seeds', lang, n=len(src.seeds))})"
    rows.append((t("seeds"), seeds))
    if get_key(cfg, "population.size") is not None:
        rows.append((t("population"), str(get_key(cfg, "population.size"))))
    kind = get_key(cfg, "network.kind")
    if kind == "file":
        rows.append((t("network"), t("network_file", path=get_key(cfg, "network.path", "—"))))
    elif kind:
        rows.append((t("network"), RT.named(RT.NETWORKS, str(kind), lang)))
    if get_key(cfg, "steps") is not None:
        a, b = summary_window(cfg)
        rows += [
            (t("months"), str(get_key(cfg, "steps"))),
            (t("window"), t("window_months", a=a, b=b)),
            (
                t("cycle"),
                t("cycle_months", cycle=as_int(get_key(cfg, "policy.evaluation.cycle"), 12)),
            ),
        ]
    return [(str(k), str(v)) for k, v in rows]


def _describe(res: Results, regime: str) -> str:
    """The regime's own (English) description: from its config in the manifest, else from the
    policy preset's YAML (read directly: composing a config per regime would take seconds)."""
    regimes = res.manifest.get("regimes")
    entry = regimes.get(regime) if isinstance(regimes, dict) else None
    desc = (
        get_key(entry.get("config", {}), "policy.description") if isinstance(entry, dict) else None
    )
    if isinstance(desc, str) and desc:
        return desc
    preset = Path(__file__).resolve().parent.parent / "configs" / "policy" / f"{regime}.yaml"
    if regime not in i18n.REGIMES or not preset.is_file():  # an ad-hoc name: no description
        return ""
    import yaml  # noqa: PLC0415

    try:
        desc = yaml.safe_load(preset.read_text(encoding="utf-8")).get("description")
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        return ""
    return str(desc or "")


def key_findings(res: Results, lang: str) -> tuple[list[str], str]:
    """The findings the folder's tables support, and the note on how to read them."""
    baseline = str(design_of(res).get("baseline") or "baseline")
    out: list[str] = []
    note = ""
    if res.selectivity is not None and not res.selectivity.empty:
        out += KF.selectivity_findings(res.selectivity, lang)
    if res.deterrence is not None and not res.deterrence.empty:
        out += KF.deterrence_findings(res.deterrence, lang)
    elif res.comparison is not None and res.selectivity is None:
        out += KF.comparison_findings(res.comparison, baseline, lang)
        note = RT.t("ci_note", lang, baseline=i18n.regime_label(baseline, lang))
    elif res.runs is not None and res.levers:
        out += KF.sweep_findings(res.runs, res.levers, res.sensitivity, res.pareto, lang)
    elif res.runs is not None and (res.source.replications or 0) <= 1:
        out += KF.single_findings(res.runs, summary_window(resolved_config(res)), lang)
    return out, note


def methods_text(res: Results, figs: dict[str, go.Figure], lang: str) -> str:
    """The methods note of this kind of experiment, and the software that produced it."""
    m, src, design = res.manifest, res.source, design_of(res)
    seeds = F.format_seeds(src.seeds, lang)
    reps = src.replications or "—"
    if res.sensitivity is not None:
        kind = "sensitivity"
    elif res.kind in ("compare_regimes", "lever_by_type", "crackdown", "single"):
        kind = res.kind
    elif res.levers:
        kind = "sweep"
    else:
        kind = "compare_regimes" if (src.replications or 0) > 1 else "single"
    heat = figs.get("heatmap_initiative_rate")
    fmt = {
        "reps": reps, "seeds": seeds, "steps": get_key(resolved_config(res), "steps", "—"),
        "rule": _half_life_rule(res, lang),
        "design": RT.named(RT.DESIGNS, str(design.get("design", "—")), lang),
        "points": design.get("points") or (len(res.design) if res.design is not None else "—"),
        "interp": RT.t("interp", lang) if heat is not None and len(heat.data) > 1 else "",
    }  # fmt: skip
    commit = m.get("git_commit") or m.get("commit")
    tail = RT.t(
        "tail", lang, version=src.version,
        commit=f" (git {str(commit)[:10]})" if commit else "",
        libs=libraries(m.get("versions"), lang),
        mixed=i18n.text("mixed_versions", lang) if m.get("earlier_versions") else "",
    )  # fmt: skip
    return RT.t(kind, lang, **fmt) + tail


def _half_life_rule(res: Results, lang: str) -> str:
    """The half-life rule in `lang`, from the deterrence table (else the manifest's words)."""
    det = res.deterrence
    if det is not None and not det.empty and "reference_from" in det:
        row = det.iloc[0]
        return RT.t("half_life_rule", lang, a=row["reference_from"], b=int(row["campaign_last"]))
    return str(design_of(res).get("half_life_rule", "—"))


def libraries(versions: Any, lang: str) -> str:
    """' with Python 3.12, numpy 2.1, ...' from the manifest's versions (empty if absent)."""
    if not isinstance(versions, dict) or not versions:
        return ""
    sep = "、" if lang == "zh" else ", "
    libs = sep.join(f"{'Python' if k == 'python' else k} {v}" for k, v in versions.items())
    return i18n.text("with_libraries", lang, libs=libs)


def design_table(res: Results, lang: str) -> Markup | str:
    """The first design points, levers named in `lang` (the dotted key stays in the glossary of
    levers above it)."""
    if res.design is None:
        return ""
    t = res.design.head(MAX_TABLE_ROWS)
    t = t.rename(columns=lambda c: i18n.param_name(c, lang) if "." in str(c) else c)
    return table_html(t, border=0, index=False, float_format="%.3g")
