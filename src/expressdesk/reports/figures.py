"""Every figure the reports show, defined once: its name in both languages, its formula as the
docs print it, the counts it divides, and the national target it is held against.

The counts are columns of the daily rollup (``daily_stats``, written by reports.rollup from the
waybills with the predicates in ``PARCEL_FLAGS``) or counts over the pickups, tickets, claims and
survey answers of the period (reports.data). Nothing else computes a figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from expressdesk.problems.rules import ProblemType

# A parcel must reach its delivering outlet this long before the promised time to be delivered
# on time (到车及时率): the outlet's sorting and one delivery round.
ARRIVAL_MARGIN = timedelta(hours=8)
# The national 72-hour delivery target (12th five-year postal plan, seed 003).
DELIVERY_HOURS = 72
# Problems that mean the paperwork failed (单证流转): a label that came off or could not be read,
# a parcel sent to the wrong outlet, an address that could not be delivered to as written.
DOCUMENT_PROBLEMS = (
    ProblemType.LABEL_DETACHED,
    ProblemType.MISSORTED,
    ProblemType.ADDRESS_UNCLEAR,
)


class Kind(StrEnum):
    RATE = "rate"  # a share, shown as a percentage
    COUNT = "count"
    MONEY = "money"  # fen, shown in yuan
    HOURS = "hours"
    SCORE = "score"


@dataclass(frozen=True)
class Target:
    """A national or company target: ``value`` is a share; ``at_least`` or at most."""

    value: float
    at_least: bool
    source: str

    def met(self, figure: float | None) -> bool | None:
        if figure is None:
            return None
        return figure >= self.value if self.at_least else figure <= self.value


@dataclass(frozen=True)
class Figure:
    key: str
    zh: str
    en: str
    kind: Kind
    formula: str
    numerator: str | None = None  # a daily_stats column (or a count named in reports.data)
    denominator: str | None = None
    target: Target | None = None

    def value(self, counts: dict[str, int | float]) -> float | None:
        """The figure from a dict of counts; a rate with nothing to divide by is None."""
        if self.numerator is None:
            return None
        top = counts.get(self.numerator, 0)
        if self.denominator is None:
            return float(top)
        bottom = counts.get(self.denominator, 0)
        return None if not bottom else top / bottom

    def label(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


_PLAN = "12th five-year postal plan (seed 003)"

FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("volume", "业务量", "Volume", Kind.COUNT,
           "parcels picked up in the period (by the local day of the first pickup scan)",
           "shipped"),
    Figure("revenue", "运费收入", "Revenue", Kind.MONEY,
           "sum of the waybills' totals (freight and fees) of the parcels picked up", "revenue_fen"),
    Figure("delivery_72h_rate", "72小时妥投率", "72-hour delivery rate", Kind.RATE,
           "parcels signed within 72 h of pickup ÷ parcels picked up",
           "delivered_72h", "shipped", Target(0.90, True, _PLAN)),
    Figure("delay_rate", "延误率", "Delay rate", Kind.RATE,
           "parcels signed after the promised time, or not signed and past it (not returned, "
           "cancelled or lost) ÷ parcels picked up", "late", "shipped",
           Target(0.008, False, _PLAN)),
    Figure("damage_rate", "损毁率", "Damage rate", Kind.RATE,
           "parcels with a damage problem registered ÷ parcels picked up", "damaged", "shipped",
           Target(0.0001, False, _PLAN)),
    Figure("loss_rate", "丢失率", "Loss rate", Kind.RATE,
           "parcels declared lost ÷ parcels picked up", "lost", "shipped",
           Target(0.00005, False, _PLAN)),
    Figure("on_time_rate", "准时率", "On-time rate", Kind.RATE,
           "parcels signed by the promised time ÷ (those + the late ones): the parcels whose "
           "outcome against the promise is known", "on_time", "promise_known"),
    Figure("arrival_punctuality", "到车及时率", "Arrival punctuality", Kind.RATE,
           "parcels that reached the delivering outlet at least 8 h before the promised time ÷ "
           "parcels that reached it", "arrived_on_time", "arrived"),
    Figure("pickup_punctuality", "派车及时率", "Pickup punctuality", Kind.RATE,
           "booked pickups the courier arrived at within the booked window ÷ booked pickups whose "
           "window has ended (not cancelled)", "pickups_punctual", "pickups_due"),
    Figure("document_accuracy", "单证流转准确率", "Document accuracy", Kind.RATE,
           "1 − parcels with a label, sorting-data or address problem ÷ parcels picked up",
           "doc_correct", "shipped"),
    Figure("damaged", "货损件数", "Damaged parcels", Kind.COUNT,
           "parcels with a damage problem registered", "damaged"),
    Figure("lost", "丢失件数", "Lost parcels", Kind.COUNT, "parcels declared lost", "lost"),
    Figure("incident_rate", "事故率", "Incident rate", Kind.RATE,
           "(damaged + lost parcels) ÷ parcels picked up", "incidents", "shipped"),
    Figure("complaints", "投诉件数", "Complaints", Kind.COUNT,
           "complaint tickets received in the period", "complaints"),
    Figure("complaints_per_10k", "万件投诉率", "Complaints per 10,000 parcels", Kind.COUNT,
           "complaint tickets received ÷ parcels picked up × 10,000", "complaints_10k", "shipped"),
    Figure("claims_paid", "理赔金额", "Claims paid", Kind.MONEY,
           "sum of the claims paid in the period", "claims_paid_fen"),
    Figure("claims_paid_count", "理赔件数", "Claims paid (count)", Kind.COUNT,
           "claims paid in the period", "claims_paid"),
    Figure("first_response_hours", "首次响应时长", "First response (mean hours)", Kind.HOURS,
           "mean hours from receipt to the first reply, over tickets answered in the period",
           "first_response_hours", "first_responses"),
    Figure("resolution_hours", "解决时长", "Resolution (mean hours)", Kind.HOURS,
           "mean hours from receipt to resolution, over tickets resolved in the period",
           "resolution_hours", "resolutions"),
    Figure("sla_compliance", "时效达标率", "SLA compliance", Kind.RATE,
           "tickets resolved in the period without a breached deadline ÷ tickets resolved",
           "resolved_in_sla", "resolutions"),
    # Computed by customers.satisfaction (where they are defined), shown with the answers.
    Figure("csat", "满意度 (CSAT)", "CSAT (%)", Kind.SCORE,
           "answers scoring 4 or 5 of 5 ÷ answers × 100 (customers.satisfaction)"),
    Figure("nps", "净推荐值 (NPS)", "NPS", Kind.SCORE,
           "(answers 9–10 − answers 0–6) ÷ answers × 100 (customers.satisfaction)"),
)}  # fmt: skip


def derived(counts: dict[str, int | float]) -> dict[str, int | float]:
    """The counts some figures need that are sums or differences of others."""
    out = dict(counts)
    out["promise_known"] = counts.get("on_time", 0) + counts.get("late", 0)
    out["doc_correct"] = counts.get("shipped", 0) - counts.get("doc_errors", 0)
    out["incidents"] = counts.get("damaged", 0) + counts.get("lost", 0)
    out["complaints_10k"] = counts.get("complaints", 0) * 10_000
    return out


def values(counts: dict[str, int | float], keys: tuple[str, ...]) -> dict[str, float | None]:
    full = derived(counts)
    return {k: FIGURES[k].value(full) for k in keys}


ROLLUP_COUNTS = (
    "shipped", "delivered", "delivered_72h", "on_time", "late", "arrived", "arrived_on_time",
    "damaged", "lost", "doc_errors", "revenue_fen", "weight_g",
)  # fmt: skip
