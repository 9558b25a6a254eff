"""The 80/20 rule and the churn warning against hand-worked figures and a brute force."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from expressdesk.customers.rules import churn_watch, key_accounts, top_share


def test_the_accounts_that_make_80_percent() -> None:
    volume = {1: 500, 2: 250, 3: 100, 4: 100, 5: 50}  # total 1000
    assert top_share(volume) == {1, 2, 3}  # 500 + 250 = 75 %, + 100 = 85 %
    assert top_share({}) == set()
    assert top_share({1: 0}) == set()


def test_key_accounts_by_volume_or_revenue() -> None:
    volume = {1: 900, 2: 50, 3: 50}
    revenue = {1: 100, 2: 800, 3: 100}  # account 2 sends little but pays a lot
    assert key_accounts(volume, revenue) == {1, 2}


@given(st.dictionaries(st.integers(1, 30), st.integers(1, 1000), min_size=1, max_size=12))
def test_top_share_is_the_smallest_set_reaching_the_share(amounts: dict[int, int]) -> None:
    chosen = top_share(amounts)
    total = sum(amounts.values())
    assert sum(amounts[i] for i in chosen) >= 0.8 * total
    # No smaller set of accounts reaches 80 %.
    for k in range(len(chosen)):
        for combo in combinations(amounts, k):
            assert sum(amounts[i] for i in combo) < 0.8 * total


def test_churn_warning_compares_last_week_with_the_trailing_average() -> None:
    trailing = {1: 13 * 100, 2: 13 * 100, 3: 13 * 2}  # 100 a week, 100 a week, 2 a week
    last_week = {1: 30, 2: 90}  # account 3 sent nothing, but it is too small to judge
    signals = churn_watch(last_week, trailing, 13, drop_share=0.5, minimum_weekly=5)
    assert [(s.customer_id, s.last_week, s.weekly_average, s.drop) for s in signals] == [
        (1, 30, 100.0, 0.7)
    ]
