"""The evaluation cycle's ranking: within units, by score, ties by index when asked."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cadresim.policies.evaluation import rank_within_units


def reference_ranks(score: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Plain definition: rank = number of unit members with a lower score, or an equal score
    and a lower index."""
    rank = np.empty(score.size, dtype=np.int64)
    for i in range(score.size):
        same = unit == unit[i]
        idx = np.arange(score.size)
        rank[i] = np.sum(same & ((score < score[i]) | ((score == score[i]) & (idx < i))))
    return rank


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 3)), min_size=1, max_size=60),
)
def test_stable_ranks_match_the_definition_with_ties(pairs: list[tuple[int, int]]) -> None:
    unit = np.array([u for u, _ in pairs], dtype=np.int64)
    score = np.array([s for _, s in pairs], dtype=np.float64)  # integer records tie often
    rank, size = rank_within_units(score, unit, stable=True)
    np.testing.assert_array_equal(rank, reference_ranks(score, unit))
    np.testing.assert_array_equal(size, np.bincount(unit)[unit])


def test_fast_ranks_are_a_permutation_ordered_by_score() -> None:
    rng = np.random.default_rng(4)
    unit = rng.integers(0, 300, 5000)
    score = rng.normal(0.0, 3.0, 5000)
    rank, size = rank_within_units(score, unit)
    for u in range(0, 300, 37):
        members = np.flatnonzero(unit == u)
        order = members[np.argsort(rank[members])]
        assert sorted(rank[members]) == list(range(members.size))
        assert np.all(np.diff(score[order]) > 0)
        assert np.all(size[members] == members.size)
