"""Satisfaction figures, defined once. Pure; no I/O.

- CSAT: the share of answers scoring 4 or 5 on the 1–5 satisfaction question, in %.
- NPS: the share of promoters (9–10) minus the share of detractors (0–6) on the 0–10
  recommend question, in points (−100 … 100).
Both are shown with the number of answers behind them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Satisfaction:
    answers: int
    csat: float | None  # % of 4–5 scores; None without answers
    nps: float | None  # promoters − detractors, in points


def satisfaction(scores: Iterable[tuple[int, int]]) -> Satisfaction:
    """CSAT and NPS of (csat 1–5, nps 0–10) pairs."""
    pairs = list(scores)
    n = len(pairs)
    if n == 0:
        return Satisfaction(0, None, None)
    satisfied = sum(1 for c, _ in pairs if c >= 4)
    promoters = sum(1 for _, r in pairs if r >= 9)
    detractors = sum(1 for _, r in pairs if r <= 6)
    return Satisfaction(
        n, round(100 * satisfied / n, 1), round(100 * (promoters - detractors) / n, 1)
    )


def is_low(csat: int, nps: int, csat_at_most: int, nps_at_most: int) -> bool:
    """An answer that opens a follow-up ticket."""
    return csat <= csat_at_most or nps <= nps_at_most
