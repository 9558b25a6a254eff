"""Problem types (问题件类型): one closed table, with the party that caused each problem and the
default time the desk has to handle it. Pure data and rules; no I/O.

Parties follow DOMAIN.md ("problem reasons are grouped by who caused them"): that is how
complaints and claims are attributed later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Party(StrEnum):
    CARRIER = "carrier"  # 快递公司
    SHIPPER = "shipper"  # 寄件人
    RECIPIENT = "recipient"  # 收件人
    CUSTOMS = "customs"  # 海关
    FORCE_MAJEURE = "force_majeure"  # 天气 / 不可抗力


class ProblemType(StrEnum):
    ADDRESS_UNCLEAR = "address_unclear"
    PHONE_UNREACHABLE = "phone_unreachable"
    LABEL_DETACHED = "label_detached"
    DAMAGED = "damaged"
    MISSORTED = "missorted"
    REFUSED = "refused"
    RECIPIENT_ABSENT = "recipient_absent"
    OUTSIDE_AREA = "outside_area"
    PROHIBITED_ITEM = "prohibited_item"
    HELD = "held"
    UNCOLLECTED = "uncollected"
    COD_DISPUTE = "cod_dispute"
    DELAYED = "delayed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ProblemKind:
    type: ProblemType
    name_zh: str
    name_en: str
    party: Party
    deadline: timedelta  # default time to resolve, from detection


def _k(t: ProblemType, zh: str, en: str, party: Party, hours: float) -> ProblemKind:
    return ProblemKind(t, zh, en, party, timedelta(hours=hours))


# Deadlines are this outlet's defaults (seed 004: a problem found at the morning arrival should
# still make the noon round); an admin will be able to tune them.
PROBLEM_KINDS: dict[ProblemType, ProblemKind] = {
    k.type: k
    for k in (
        _k(ProblemType.ADDRESS_UNCLEAR, "地址不详", "Address unclear or wrong", Party.SHIPPER, 4),
        _k(ProblemType.PHONE_UNREACHABLE, "电话无法联系", "Phone missing or unreachable", Party.RECIPIENT, 4),
        _k(ProblemType.LABEL_DETACHED, "面单脱落", "Label detached or illegible", Party.CARRIER, 4),
        _k(ProblemType.DAMAGED, "破损", "Damaged", Party.CARRIER, 24),
        _k(ProblemType.MISSORTED, "错分", "Missorted", Party.CARRIER, 2),
        _k(ProblemType.REFUSED, "拒收", "Refused by the recipient", Party.RECIPIENT, 24),
        _k(ProblemType.RECIPIENT_ABSENT, "无人签收", "Nobody to sign", Party.RECIPIENT, 24),
        _k(ProblemType.OUTSIDE_AREA, "超区", "Outside the delivery area", Party.SHIPPER, 8),
        _k(ProblemType.PROHIBITED_ITEM, "违禁品", "Prohibited or suspicious item", Party.SHIPPER, 2),
        _k(ProblemType.HELD, "滞留", "Held or stranded", Party.CARRIER, 12),
        _k(ProblemType.UNCOLLECTED, "超时未取", "Not collected from locker or station", Party.RECIPIENT, 48),
        _k(ProblemType.COD_DISPUTE, "代收货款纠纷", "Cash-on-delivery dispute", Party.SHIPPER, 24),
        _k(ProblemType.DELAYED, "延误", "Delayed or stalled", Party.CARRIER, 12),
        _k(ProblemType.NOT_FOUND, "找不到件", "Parcel not found", Party.CARRIER, 24),
    )
}  # fmt: skip


# A failed delivery attempt is itself a problem for the desk; which one depends on the reason.
FAILED_ATTEMPT_PROBLEMS: dict[str, ProblemType] = {
    "absent": ProblemType.RECIPIENT_ABSENT,
    "unreachable": ProblemType.PHONE_UNREACHABLE,
    "refused": ProblemType.REFUSED,
    "address_wrong": ProblemType.ADDRESS_UNCLEAR,
}


def problem_for_failed_attempt(reason: str) -> ProblemType | None:
    """The problem a failed attempt opens (a rescheduled delivery opens none)."""
    return FAILED_ATTEMPT_PROBLEMS.get(reason)


def is_missort(scanning_outlet_id: int, serving_outlet_id: int | None) -> bool:
    """An arrival at an outlet that does not serve the parcel's destination (错分). A parcel
    whose destination no outlet serves is not a missort but outside the area (超区)."""
    return serving_outlet_id is not None and scanning_outlet_id != serving_outlet_id
