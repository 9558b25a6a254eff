"""Problem types (问题件类型): one closed table, with the party that caused each problem and the
default time the desk has to handle it. Pure data and rules; no I/O.

Parties follow DOMAIN.md ("problem reasons are grouped by who caused them"): that is how
complaints and claims are attributed later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
    SCAN_ANOMALY = "scan_anomaly"


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
        # A scan that contradicts the parcel's life (tracking anomalies): someone must look.
        _k(ProblemType.SCAN_ANOMALY, "轨迹异常", "Scan contradicts the parcel's history", Party.CARRIER, 8),
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


@dataclass(frozen=True)
class Signal:
    """Something that reveals a problem: a scan, a detector, a person."""

    waybill_id: int
    type: ProblemType
    source: str  # scan, attempt, arrival, courier, agent, detector
    detail: str | None = None
    facility_id: int | None = None
    courier_id: int | None = None
    reporter_id: int | None = None
    target_facility_id: int | None = None
    target_area_id: int | None = None
    note: str = ""


def problem_for_anomaly(anomaly: str | None) -> ProblemType | None:
    """A scan the tracking fold flagged (scanned after delivery, left a hub it never reached)
    is a problem for the desk: the record or the parcel is wrong somewhere."""
    return ProblemType.SCAN_ANOMALY if anomaly else None


def kind_of(problem_type: ProblemType) -> ProblemKind:
    return PROBLEM_KINDS[problem_type]


def due_at(problem_type: ProblemType, detected_at: datetime) -> datetime:
    """When the desk must have handled a problem detected at ``detected_at``."""
    return detected_at + PROBLEM_KINDS[problem_type].deadline


# -- detection by time (the periodic job) -----------------------------------------------------


def stall_limit(lane_normal: timedelta | None, grace: timedelta) -> timedelta:
    """How long a parcel may go without a scan: its lane's normal time plus a grace. A lane with
    no normal time (no route connects the hubs) gets the grace twice: it is slow by nature."""
    return (lane_normal if lane_normal is not None else grace) + grace


def is_stalled(
    last_event_at: datetime | None, now: datetime, lane_normal: timedelta | None, grace: timedelta
) -> bool:
    return last_event_at is not None and now - last_event_at > stall_limit(lane_normal, grace)


def is_past_estimate(estimated_delivery_at: datetime | None, now: datetime) -> bool:
    return estimated_delivery_at is not None and now > estimated_delivery_at


def is_uncollected(stored_at: datetime | None, now: datetime, limit: timedelta) -> bool:
    return stored_at is not None and now - stored_at > limit


def is_repeatedly_failed(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


# -- working a problem ------------------------------------------------------------------------


class ActionKind(StrEnum):
    REGISTERED = "registered"  # opened (by a person or the system)
    REPORTED_AGAIN = "reported_again"  # the same problem registered again: added, not doubled
    ASSIGNED = "assigned"  # a hand-over: from one owner (or nobody) to another
    CONTACT = "contact"  # a call or an SMS to the recipient or the sender
    ADDRESS_CORRECTED = "address_corrected"  # and re-routed to the outlet that serves it
    RESCHEDULED = "rescheduled"
    TO_PICKUP_POINT = "to_pickup_point"  # locker or station, with the recipient's consent
    RETURN_TO_SENDER = "return_to_sender"
    ESCALATED = "escalated"
    OUTLET_NOTIFIED = "outlet_notified"  # 留言 to the origin outlet's queue
    NOTE = "note"
    PHOTO = "photo"
    RESOLVED = "resolved"


ACTION_NAMES: dict[ActionKind, tuple[str, str]] = {
    ActionKind.REGISTERED: ("登记问题件", "Registered"),
    ActionKind.REPORTED_AGAIN: ("再次上报", "Reported again"),
    ActionKind.ASSIGNED: ("指派", "Assigned"),
    ActionKind.CONTACT: ("联系客户", "Contact attempt"),
    ActionKind.ADDRESS_CORRECTED: ("更正地址并改派", "Address corrected and re-routed"),
    ActionKind.RESCHEDULED: ("改约派送", "Delivery rescheduled"),
    ActionKind.TO_PICKUP_POINT: ("经同意转快递柜/驿站", "To a locker or station, with consent"),
    ActionKind.RETURN_TO_SENDER: ("退回寄件人", "Return to sender"),
    ActionKind.ESCALATED: ("升级至主管", "Escalated to a supervisor"),
    ActionKind.OUTLET_NOTIFIED: ("给始发网点留言", "Origin outlet notified"),
    ActionKind.NOTE: ("备注", "Note"),
    ActionKind.PHOTO: ("上传照片", "Photo added"),
    ActionKind.RESOLVED: ("处理完结", "Resolved"),
}

# Who may do what (closed table; every route checks it through ``may``).
_DESK = frozenset({"admin", "supervisor", "agent"})
_FLOOR = frozenset({"courier", "operations"})
ACTION_ROLES: dict[str, frozenset[str]] = {
    "register": _DESK | _FLOOR,
    "view": _DESK | _FLOOR,
    "photo": _DESK | _FLOOR,
    ActionKind.ASSIGNED: _DESK,
    ActionKind.CONTACT: _DESK | {"courier"},
    ActionKind.ADDRESS_CORRECTED: _DESK,
    ActionKind.RESCHEDULED: _DESK | {"courier"},
    ActionKind.TO_PICKUP_POINT: _DESK | {"courier"},
    ActionKind.RETURN_TO_SENDER: _DESK,
    ActionKind.ESCALATED: _DESK | _FLOOR,
    ActionKind.OUTLET_NOTIFIED: _DESK | {"operations"},
    ActionKind.NOTE: _DESK | _FLOOR,
    ActionKind.RESOLVED: _DESK | {"operations"},
    "measures": _DESK,
}


def may(role: str, action: str) -> bool:
    return role in ACTION_ROLES[action]


class ContactOutcome(StrEnum):
    NO_ANSWER = "no_answer"  # 未接通
    REACHED = "reached"  # 已联系上
    BUSY = "busy"  # 占线
    WRONG_NUMBER = "wrong_number"  # 号码错误
    SMS_SENT = "sms_sent"  # 已发短信


class Resolution(StrEnum):
    DELIVERED = "delivered"
    ADDRESS_CORRECTED = "address_corrected"
    RESCHEDULED = "rescheduled"
    AT_PICKUP_POINT = "at_pickup_point"
    RETURNED_TO_SENDER = "returned_to_sender"
    RESENT_TO_RIGHT_OUTLET = "resent_to_right_outlet"
    FOUND = "found"
    CUSTOMER_REACHED = "customer_reached"
    RECORD_CORRECTED = "record_corrected"
    HANDED_TO_AUTHORITIES = "handed_to_authorities"
    NO_ACTION_NEEDED = "no_action_needed"


RESOLUTION_NAMES: dict[Resolution, tuple[str, str]] = {
    Resolution.DELIVERED: ("已妥投", "Delivered"),
    Resolution.ADDRESS_CORRECTED: ("地址已更正", "Address corrected"),
    Resolution.RESCHEDULED: ("已改约派送", "Delivery rescheduled"),
    Resolution.AT_PICKUP_POINT: ("已转快递柜/驿站", "At a locker or station"),
    Resolution.RETURNED_TO_SENDER: ("已退回寄件人", "Returned to the sender"),
    Resolution.RESENT_TO_RIGHT_OUTLET: ("已转正确网点", "Re-sent to the right outlet"),
    Resolution.FOUND: ("已找到", "Found"),
    Resolution.CUSTOMER_REACHED: ("已联系客户", "Customer reached"),
    Resolution.RECORD_CORRECTED: ("记录已更正", "Record corrected"),
    Resolution.HANDED_TO_AUTHORITIES: ("已移交有关部门", "Handed to the authorities"),
    Resolution.NO_ACTION_NEEDED: ("无需处理", "No action needed"),
}


@dataclass(frozen=True)
class Requirement:
    """A step a resolution needs: an action of ``kind`` (with ``outcome`` if given)."""

    kind: ActionKind
    outcome: str | None = None
    message: str = ""


# What must have been done before a problem may be resolved this way (closed table).
RESOLUTION_REQUIRES: dict[Resolution, tuple[Requirement, ...]] = {
    Resolution.ADDRESS_CORRECTED: (
        Requirement(ActionKind.ADDRESS_CORRECTED, message="correct the address first"),
    ),
    Resolution.RESCHEDULED: (
        Requirement(ActionKind.RESCHEDULED, message="record the new delivery time first"),
    ),
    Resolution.AT_PICKUP_POINT: (
        Requirement(
            ActionKind.TO_PICKUP_POINT,
            message="record the hand-over to a locker or station, with the recipient's consent",
        ),
    ),
    Resolution.RETURNED_TO_SENDER: (
        Requirement(
            ActionKind.RETURN_TO_SENDER, message="record the return to the sender with its reason"
        ),
    ),
    Resolution.CUSTOMER_REACHED: (
        Requirement(
            ActionKind.CONTACT,
            outcome=ContactOutcome.REACHED,
            message="log a contact attempt that reached the customer",
        ),
    ),
    Resolution.NO_ACTION_NEEDED: (
        Requirement(ActionKind.NOTE, message="write a note saying why nothing is needed"),
    ),
}

# Resolutions that fit only some problem types (the rest fit any type).
RESOLUTION_TYPES: dict[Resolution, frozenset[ProblemType]] = {
    Resolution.RESENT_TO_RIGHT_OUTLET: frozenset({ProblemType.MISSORTED, ProblemType.OUTSIDE_AREA}),
    Resolution.FOUND: frozenset({ProblemType.NOT_FOUND, ProblemType.DELAYED, ProblemType.HELD}),
    Resolution.HANDED_TO_AUTHORITIES: frozenset({ProblemType.PROHIBITED_ITEM}),
    Resolution.RECORD_CORRECTED: frozenset(
        {ProblemType.SCAN_ANOMALY, ProblemType.LABEL_DETACHED, ProblemType.MISSORTED}
    ),
}


@dataclass(frozen=True)
class DoneAction:
    kind: str
    outcome: str | None


def missing_for_resolution(
    resolution: Resolution,
    problem_type: ProblemType,
    done: list[DoneAction],
    delivered: bool,
) -> list[str]:
    """What still stops a problem from being resolved this way (empty: it may be resolved)."""
    missing: list[str] = []
    allowed_types = RESOLUTION_TYPES.get(resolution)
    if allowed_types is not None and problem_type not in allowed_types:
        missing.append(f"'{resolution.value}' does not resolve a {problem_type.value} problem")
    if resolution is Resolution.DELIVERED and not delivered:
        missing.append("the parcel has not been signed for yet")
    if problem_type is ProblemType.PROHIBITED_ITEM and resolution not in (
        Resolution.HANDED_TO_AUTHORITIES,
        Resolution.RETURNED_TO_SENDER,
        Resolution.NO_ACTION_NEEDED,
    ):
        missing.append(
            "a prohibited item is handed to the authorities, returned, or cleared with a note"
        )
    for need in RESOLUTION_REQUIRES.get(resolution, ()):
        if not any(
            d.kind == need.kind and (need.outcome is None or d.outcome == need.outcome)
            for d in done
        ):
            missing.append(need.message)
    return missing


PARTY_NAMES: dict[str, tuple[str, str]] = {
    Party.CARRIER: ("快递公司", "Carrier"),
    Party.SHIPPER: ("寄件人", "Shipper"),
    Party.RECIPIENT: ("收件人", "Recipient"),
    Party.CUSTOMS: ("海关", "Customs"),
    Party.FORCE_MAJEURE: ("不可抗力", "Force majeure"),
}
SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "scan": ("问题件扫描", "Problem scan"),
    "attempt": ("派送失败", "Failed attempt"),
    "arrival": ("到件扫描", "Arrival scan"),
    "courier": ("快递员登记", "Courier"),
    "agent": ("客服登记", "Agent"),
    "detector": ("系统检测", "System detector"),
}


def name_in(table: dict[str, tuple[str, str]], key: str, locale: str) -> str:
    zh, en = table.get(key, (key, key))
    return zh if locale == "zh_CN" else en


OUTCOME_NAMES: dict[str, tuple[str, str]] = {
    ContactOutcome.NO_ANSWER: ("未接通", "No answer"),
    ContactOutcome.REACHED: ("已联系上", "Reached"),
    ContactOutcome.BUSY: ("占线", "Busy"),
    ContactOutcome.WRONG_NUMBER: ("号码错误", "Wrong number"),
    ContactOutcome.SMS_SENT: ("已发短信", "SMS sent"),
}
