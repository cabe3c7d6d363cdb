"""Per-step tallies by group, and the tidy step table and run summary built from them.

Each step sums a few indicator arrays over three groupings at once: all cadres, current type and
initial cohort (one one-hot matrix product). Rates are per cadre of the group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cadresim.agents.types import TYPE_NAMES

# Sums kept per group and step (the order of the rows of `tally`): the group size, indicators
# (0/1 per cadre), the indicators set only at evaluation steps, then real-valued state.
INDICATORS = (
    "initiative",
    "success",
    "error",
    "misconduct",
    "detected",
    "sanction",
    "tolerated",
    "wrongful",
    "shielded",
    "inaction_sanction",
    "false_accusation",
    "recognised",
    "aware",
    "leader",
)
EVALUATION_INDICATORS = ("promoted", "demoted", "warned")
GATES = ("gate_opportunity", "gate_want", "gate_bother", "gate_career", "gate_punish")
REALS = (
    "perceived_risk",
    "competence",
    "error_fear",
    "value",
    *GATES,
    "perceived_detection",
    "perceived_career_risk",
    "doer_advantage",
    "leader_competence",
)
COUNTS = ("n",) + INDICATORS + EVALUATION_INDICATORS + REALS
IDX = {name: i for i, name in enumerate(COUNTS)}
N_TYPES = len(TYPE_NAMES)
GROUPINGS = ("all",) + ("type",) * N_TYPES + ("cohort",) * N_TYPES
GROUP_TYPES = ("all",) + TYPE_NAMES + TYPE_NAMES

# Output column -> (numerator count, denominator count); denominator None means per cadre.
RATES: dict[str, tuple[str, str]] = {
    "initiative_rate": ("initiative", "n"),
    "success_rate": ("success", "n"),
    "error_rate": ("error", "n"),
    "errors_per_initiative": ("error", "initiative"),
    "misconduct_rate": ("misconduct", "n"),
    "detected_rate": ("detected", "n"),
    "sanction_rate": ("sanction", "n"),
    "tolerated_rate": ("tolerated", "n"),
    "wrongful_sanction_rate": ("wrongful", "n"),
    "shielded_misconduct_rate": ("shielded", "n"),
    "inaction_sanction_rate": ("inaction_sanction", "n"),
    "false_accusation_rate": ("false_accusation", "n"),
    "recognition_rate": ("recognised", "n"),
    "mean_perceived_risk": ("perceived_risk", "n"),
    "awareness": ("aware", "n"),
    "mean_competence": ("competence", "n"),
    "mean_error_fear": ("error_fear", "n"),
    "value": ("value", "n"),
    **{gate: (gate, "n") for gate in GATES},
    "perceived_detection": ("perceived_detection", "n"),
    "perceived_career_risk": ("perceived_career_risk", "n"),
    "doer_advantage": ("doer_advantage", "n"),
    "leader_competence": ("leader_competence", "leader"),
    "promotion_rate": ("promoted", "n"),
    "demotion_rate": ("demoted", "n"),
    "warning_rate": ("warned", "n"),
}
OUTCOMES = tuple(RATES)


_EVERY_STEP = slice(0, 1 + len(INDICATORS))  # from row 'n', which holds ones
_ALL_INDICATORS = slice(0, 1 + len(INDICATORS) + len(EVALUATION_INDICATORS))
_REALS = slice(len(COUNTS) - len(REALS), len(COUNTS))
REAL_QUANTUM = 2.0**-20  # real values are summed as integer multiples of this


class Tally:
    """Group sums of per-cadre columns: all cadres, by current type, by initial cohort.

    Matrix products `columns @ groups` with a one-hot group matrix (cadres x 12 groups) whose
    cohort half is fixed; only the rows of cadres who changed type are rewritten. Row 'n' of
    the columns holds ones, so the product counts the groups too; 'all' is the sum of the types.

    Every sum is exact, so no thread count or summation order of the BLAS library can change a
    table: indicators are integers in float32 (exact below 2**24 cadres per group), and real
    values are rounded to multiples of REAL_QUANTUM and summed in float64 (exact below 2**53)."""

    def __init__(self, cohort: np.ndarray, runs: int = 1) -> None:
        n = cohort.size
        self.runs = runs  # a batch's runs are consecutive blocks of n / runs cadres
        self.groups = np.zeros((n, 2 * N_TYPES), dtype=np.float32)
        self.groups[np.arange(n), N_TYPES + cohort] = 1.0
        self.groups64 = self.groups.astype(np.float64)
        self.reals = np.empty((len(REALS), n))  # reused: quantised real columns
        self.current = np.full(n, -1, dtype=np.int8)  # type each row of `groups` holds; none yet

    def recohort(self, posts: np.ndarray, cohort: np.ndarray) -> None:
        """Posts whose holder changed (careers, rotation) now count in the holder's cohort."""
        for groups in (self.groups, self.groups64):
            groups[posts, N_TYPES:] = 0.0
            groups[posts, N_TYPES + cohort] = 1.0

    def __call__(
        self, columns: np.ndarray, cadre_type: np.ndarray, evaluation: bool = True
    ) -> np.ndarray:
        """(groups x len(COUNTS)) sums of `columns` (len(COUNTS) x cadres; row 'n' all ones),
        or (runs x groups x len(COUNTS)) for a batch of runs. Between evaluations the
        evaluation-only rows are not read and count 0."""
        # few cadres change type in a month: rewrite only their rows of the one-hot matrices
        moved = np.flatnonzero(cadre_type != self.current)
        if moved.size:
            old = self.current[moved]
            had = old >= 0
            for groups in (self.groups, self.groups64):
                groups[moved[had], old[had]] = 0.0
                groups[moved, cadre_type[moved]] = 1.0
            self.current[moved] = cadre_type[moved]
        flags = _ALL_INDICATORS if evaluation else _EVERY_STEP
        runs = self.runs
        out = np.zeros((runs, 1 + 2 * N_TYPES, len(COUNTS)))
        out[:, 1:, flags] = _by_run(columns[flags], self.groups, runs)
        reals = np.multiply(columns[_REALS], 1.0 / REAL_QUANTUM, out=self.reals)
        np.rint(reals, out=reals)
        out[:, 1:, _REALS] = _by_run(reals, self.groups64, runs) * REAL_QUANTUM
        out[:, 0] = out[:, 1 : 1 + N_TYPES].sum(axis=1)
        return out[0] if runs == 1 else out


def _by_run(columns: np.ndarray, groups: np.ndarray, runs: int) -> np.ndarray:
    """(runs x groups x rows) sums of `columns` (rows x cadres) over each run's block of
    cadres: one stacked matrix product, the run added to the grouping."""
    if runs == 1:
        return (columns @ groups).T[None]
    rows, n = columns.shape
    per = n // runs
    stacked = np.matmul(
        columns.reshape(rows, runs, per).transpose(1, 0, 2), groups.reshape(runs, per, -1)
    )
    return stacked.transpose(0, 2, 1)


_GROUPING_NAMES = ["all", "type", "cohort"]
_GROUPING_CODES = np.array([_GROUPING_NAMES.index(g) for g in GROUPINGS], dtype=np.int8)
_TYPE_CODES = np.array([(("all",) + TYPE_NAMES).index(t) for t in GROUP_TYPES], dtype=np.int8)


def step_table(tallies: np.ndarray) -> pd.DataFrame:
    """Tidy table: one row per step x group, every outcome a column.

    `grouping` is 'all', 'type' (current type) or 'cohort' (type at step 0); `share` is the
    group's share of all cadres (the type shares)."""
    return step_tables(tallies[None])


def step_tables(stack: np.ndarray) -> pd.DataFrame:
    """The step tables of runs of equal length, one after the other, as one table: built in
    one go from (runs x steps x groups x counts) tallies, since a table per run costs more than
    a batched run's steps."""
    runs, steps, groups, _ = stack.shape
    flat = stack.reshape(runs * steps * groups, -1)
    n = flat[:, IDX["n"]]
    total = np.repeat(stack[:, :, 0, IDX["n"]].ravel(), groups)
    data: dict[str, object] = {
        "step": np.tile(np.repeat(np.arange(steps), groups), runs),
        # from codes: building the categoricals from strings costs more than the whole tally
        "grouping": pd.Categorical.from_codes(
            np.tile(_GROUPING_CODES, runs * steps), _GROUPING_NAMES
        ),
        "type": pd.Categorical.from_codes(
            np.tile(_TYPE_CODES, runs * steps), ("all",) + TYPE_NAMES
        ),
        "n": n.astype(np.int64),
        "share": n / total,
    }
    for column, (num, den) in RATES.items():
        d = flat[:, IDX[den]]
        data[column] = np.divide(flat[:, IDX[num]], d, out=np.zeros_like(d), where=d > 0)
    return pd.DataFrame(data)


def summarise(tallies: np.ndarray, start_step: int) -> dict[str, object]:
    """Mean of every outcome over steps >= start_step: overall, by current type, by cohort.

    Each mean is a ratio of sums over the window (e.g. all initiatives / all cadre-months of
    the group), so a type that is empty in some steps does not count those steps as zeros."""
    window = tallies[start_step:].sum(axis=0)  # groups x counts
    total = tallies[start_step:, 0, IDX["n"]].sum()
    out: dict[str, object] = {}
    for g, (grouping, name) in enumerate(zip(GROUPINGS, GROUP_TYPES, strict=True)):
        row = window[g]
        stats = {"share": float(row[IDX["n"]] / total) if total > 0 else 0.0}
        for col, (num, den) in RATES.items():
            d = row[IDX[den]]
            stats[col] = float(row[IDX[num]] / d) if d > 0 else 0.0
        if grouping == "all":
            out["all"] = stats
        else:
            out.setdefault(grouping, {})[name] = stats
    return out
