"""CSAT and NPS, against their definitions recomputed by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from expressdesk.customers.satisfaction import is_low, satisfaction


def test_csat_and_nps_of_a_known_set() -> None:
    # 5 answers: csat 5,4,3,2,1 → 2 satisfied (40 %); nps 10,9,8,6,0 → 2 promoters, 2 detractors.
    result = satisfaction([(5, 10), (4, 9), (3, 8), (2, 6), (1, 0)])
    assert result.answers == 5
    assert result.csat == 40.0
    assert result.nps == 0.0


def test_no_answers_gives_no_figure_rather_than_zero() -> None:
    assert satisfaction([]).csat is None and satisfaction([]).nps is None


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 10)), min_size=1, max_size=200))
def test_figures_match_a_brute_force_recount(pairs: list[tuple[int, int]]) -> None:
    result = satisfaction(pairs)
    n = len(pairs)
    assert result.csat == round(100 * len([c for c, _ in pairs if c in (4, 5)]) / n, 1)
    promoters = len([r for _, r in pairs if r in (9, 10)])
    detractors = len([r for _, r in pairs if r in range(7)])
    assert result.nps == round(100 * (promoters - detractors) / n, 1)
    assert -100 <= (result.nps or 0) <= 100


def test_a_low_score_is_one_at_or_below_either_threshold() -> None:
    assert is_low(2, 8, 2, 3) and is_low(5, 3, 2, 3)
    assert not is_low(3, 4, 2, 3)
