"""Key accounts by the 80/20 rule and the churn warning, as pure rules. No I/O.

Seed 000/001: recognise key customers (the few accounts that make most of the business) and
follow up customers who stop sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def top_share(amounts: Mapping[int, int], share: float = 0.8) -> set[int]:
    """The fewest accounts, largest first, that together make ``share`` of the total (the
    account that crosses the line is in). Ties are broken by id, so the result is stable."""
    total = sum(v for v in amounts.values() if v > 0)
    if total <= 0:
        return set()
    chosen: set[int] = set()
    running = 0
    for ident, amount in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0])):
        if amount <= 0 or running >= share * total:
            break
        chosen.add(ident)
        running += amount
    return chosen


def key_accounts(
    volume: Mapping[int, int], revenue: Mapping[int, int], share: float = 0.8
) -> set[int]:
    """Key accounts: those among the top ``share`` of volume or of revenue."""
    return top_share(volume, share) | top_share(revenue, share)


@dataclass(frozen=True)
class ChurnSignal:
    customer_id: int
    last_week: int
    weekly_average: float  # over the trailing weeks before the last one
    drop: float  # 0.6 = 60 % fewer parcels than usual


def churn_watch(
    last_week: Mapping[int, int],
    trailing: Mapping[int, int],
    trailing_weeks: int,
    drop_share: float,
    minimum_weekly: float,
) -> list[ChurnSignal]:
    """Accounts whose last week fell by at least ``drop_share`` against their trailing weekly
    average (ignoring accounts too small for a week's count to mean anything)."""
    out = []
    for ident, before in trailing.items():
        average = before / trailing_weeks
        if average < minimum_weekly:
            continue
        now = last_week.get(ident, 0)
        drop = 1 - now / average
        if drop >= drop_share:
            out.append(ChurnSignal(ident, now, round(average, 1), round(drop, 3)))
    return sorted(out, key=lambda s: (-s.drop, s.customer_id))
