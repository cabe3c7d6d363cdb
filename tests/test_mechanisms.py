"""Each mechanism's effect in isolation: one lever moved, everything else (seed, population,
network, other levers) held fixed. Sizes are small but effects are far outside sampling noise."""

from __future__ import annotations

from conftest import cohort_mean

SIZE = 1500
STEPS = 72


def test_tolerance_coverage_lowers_fearful_risk_and_raises_their_initiative(run):
    common = ("policy=tolerance_only", "policy.tolerance.publicity=0.2")
    low = run(*common, "policy.tolerance.coverage=0.0", size=SIZE, steps=STEPS)
    high = run(*common, "policy.tolerance.coverage=0.9", size=SIZE, steps=STEPS)
    assert (
        cohort_mean(high, "mean_perceived_risk", "fearful")
        < cohort_mean(low, "mean_perceived_risk", "fearful") - 0.3
    )
    gain_fearful = cohort_mean(high, "initiative_rate", "fearful") - cohort_mean(
        low, "initiative_rate", "fearful"
    )
    gain_unwilling = cohort_mean(high, "initiative_rate", "unwilling") - cohort_mean(
        low, "initiative_rate", "unwilling"
    )
    assert gain_fearful > 0.05
    assert gain_fearful > gain_unwilling  # tolerance is the lever of the fearful


def test_incentives_move_the_unwilling_not_the_fearful(run):
    base = run("policy=baseline", size=SIZE, steps=STEPS)
    inc = run("policy=incentive_only", size=SIZE, steps=STEPS)
    gain = {
        t: cohort_mean(inc, "initiative_rate", t) - cohort_mean(base, "initiative_rate", t)
        for t in ("unwilling", "fearful", "unable")
    }
    assert gain["unwilling"] > 0.08
    assert gain["unwilling"] > 3 * max(gain["fearful"], gain["unable"], 0.0)


def test_training_lowers_unable_errors_per_initiative(run):
    off = run("policy=baseline", size=SIZE, steps=STEPS)
    on = run("policy=training_only", "policy.training.share=0.05", size=SIZE, steps=STEPS)
    assert (
        cohort_mean(on, "mean_competence", "unable")
        > cohort_mean(off, "mean_competence", "unable") + 0.1
    )
    assert (
        cohort_mean(on, "errors_per_initiative", "unable")
        < cohort_mean(off, "errors_per_initiative", "unable") - 0.05
    )
    assert cohort_mean(on, "initiative_rate", "unable") > cohort_mean(
        off, "initiative_rate", "unable"
    )


def test_inaction_accountability_moves_the_reluctant(run):
    off = run("policy.accountability.inaction_detection=0.0", size=SIZE, steps=STEPS)
    on = run(
        "policy.accountability.inaction_detection=0.3",
        "policy.accountability.inaction_penalty=1.0",
        size=SIZE,
        steps=STEPS,
    )
    assert on.summary["all"]["inaction_sanction_rate"] > 0.01
    assert off.summary["all"]["inaction_sanction_rate"] == 0.0
    gain_reluctant = cohort_mean(on, "initiative_rate", "reluctant") - cohort_mean(
        off, "initiative_rate", "reluctant"
    )
    gain_fearful = cohort_mean(on, "initiative_rate", "fearful") - cohort_mean(
        off, "initiative_rate", "fearful"
    )
    assert gain_reluctant > 0.05 and gain_reluctant > gain_fearful


def test_poor_screening_shields_misconduct_and_breeds_more(run):
    common = (
        "policy=tolerance_only",
        "policy.tolerance.coverage=1.0",
        "behaviour.temptation=0.8",
        "population.integrity=0.6",
    )
    good = run(*common, "policy.tolerance.screening=0.95", size=SIZE, steps=STEPS)
    poor = run(*common, "policy.tolerance.screening=0.2", size=SIZE, steps=STEPS)
    g, p = good.summary["all"], poor.summary["all"]
    assert p["shielded_misconduct_rate"] > 3 * g["shielded_misconduct_rate"]
    assert p["wrongful_sanction_rate"] > 3 * g["wrongful_sanction_rate"]
    # moral hazard (容错扩大论): violations look safe, so more acts turn self-serving
    mis_per_act = lambda s: s["misconduct_rate"] / s["initiative_rate"]  # noqa: E731
    assert mis_per_act(p) > 1.1 * mis_per_act(g)


def test_unpublicised_tolerance_stays_unknown(run):
    quiet = run("policy=tolerance_unpublicised", size=SIZE, steps=STEPS)
    loud = run("policy=tolerance_only", size=SIZE, steps=STEPS)
    assert quiet.summary["all"]["awareness"] < 0.25  # only the initially aware
    assert loud.summary["all"]["awareness"] > 0.8
    assert (
        loud.summary["all"]["mean_perceived_risk"]
        < quiet.summary["all"]["mean_perceived_risk"] - 0.3
    )
    assert loud.summary["all"]["initiative_rate"] > quiet.summary["all"]["initiative_rate"]


def test_correction_recovers_damage(run):
    off = run("policy=tolerance_only", "policy.tolerance.correction=false", size=SIZE, steps=STEPS)
    on = run(
        "policy=tolerance_only",
        "policy.tolerance.recovery=1.0",
        "policy.tolerance.correction_learning=0.0",
        size=SIZE,
        steps=STEPS,
    )
    assert on.summary["all"]["value"] > off.summary["all"]["value"]


def test_clarification_clears_false_accusations(run):
    common = ("policy=tolerance_only", "policy.accountability.false_accusation=0.05")
    none = run(*common, "policy.tolerance.clarification=0.0", size=SIZE, steps=STEPS)
    full = run(*common, "policy.tolerance.clarification=1.0", size=SIZE, steps=STEPS)
    assert none.summary["all"]["false_accusation_rate"] > 0.01
    assert (
        full.summary["all"]["wrongful_sanction_rate"]
        < none.summary["all"]["wrongful_sanction_rate"] - 0.01
    )
    assert cohort_mean(full, "initiative_rate", "afraid") > cohort_mean(
        none, "initiative_rate", "afraid"
    )


def test_demotion_rule_and_its_off_switch(run):
    on = run(size=SIZE, steps=STEPS)
    off = run("policy.accountability.demotion=false", size=SIZE, steps=STEPS)
    assert on.steps["demotion_rate"].sum() > 0 and on.steps["warning_rate"].sum() > 0
    assert off.steps["demotion_rate"].sum() == 0 and off.steps["warning_rate"].sum() == 0


def test_demotion_threat_raises_initiative(run):
    """能下: bottom ranks, and demotions seen among neighbours, make inaction's cost concrete, so
    a demotion rule that bites sooner moves more cadres to act; no rule, least."""
    rates = [
        run(*extra, size=SIZE, steps=STEPS).summary["all"]["initiative_rate"]
        for extra in (
            ["policy.accountability.demotion=false"],
            ["policy.accountability.demotion_after=100"],  # warnings only
            ["policy.accountability.demotion_after=2"],
            ["policy.accountability.demotion_after=1"],
        )
    ]
    assert rates == sorted(rates) and rates[-1] - rates[0] > 0.03


def test_strict_accountability_raises_fear_and_lowers_errors(run):
    base = run(size=SIZE, steps=120)
    strict = run("policy=strict_accountability", size=SIZE, steps=120)
    for cohort in ("proactive",):
        assert cohort_mean(strict, "mean_error_fear", cohort) > cohort_mean(
            base, "mean_error_fear", cohort
        )
    assert strict.summary["all"]["error_rate"] < base.summary["all"]["error_rate"]


def test_leader_example_raises_initiative(run):
    off = run("behaviour.leader_example=0.0", size=SIZE, steps=STEPS)
    on = run("behaviour.leader_example=0.5", size=SIZE, steps=STEPS)
    assert on.summary["all"]["initiative_rate"] > off.summary["all"]["initiative_rate"] + 0.02


def test_tolerance_off_switch_means_no_exemptions(run):
    r = run("policy=tolerance_only", "policy.tolerance.enabled=false", size=SIZE, steps=STEPS)
    assert r.steps["tolerated_rate"].sum() == 0
    assert r.steps["shielded_misconduct_rate"].sum() == 0


def test_tolerance_is_no_cure_for_inability(run):
    """容错万能论 is wrong: tolerance lets the unable act, but only training makes them err less."""
    base = run("policy=baseline", size=SIZE, steps=STEPS)
    tol = run("policy=tolerance_only", size=SIZE, steps=STEPS)
    train = run("policy=training_only", size=SIZE, steps=STEPS)
    epi = "errors_per_initiative"
    assert cohort_mean(tol, epi, "unable") > cohort_mean(base, epi, "unable") - 0.01
    assert cohort_mean(train, epi, "unable") < cohort_mean(base, epi, "unable") - 0.02


def test_hidden_cases_teach_only_the_exempted(run):
    """With every cadre aware (publicity 1), hiding exemption cases from neighbours leaves the
    perceived sanction risk and error fear higher, and initiative lower (容错无用论)."""
    shown, hidden = (
        run(
            "policy=tolerance_only",
            "policy.tolerance.publicity=1.0",
            f"policy.tolerance.case_visibility={v}",
            size=SIZE,
            steps=STEPS,
        ).summary["all"]
        for v in ("true", "false")
    )
    assert hidden["mean_perceived_risk"] > shown["mean_perceived_risk"] + 0.1
    assert hidden["mean_error_fear"] > shown["mean_error_fear"]
    assert hidden["initiative_rate"] < shown["initiative_rate"]
