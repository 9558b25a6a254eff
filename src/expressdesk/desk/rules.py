"""The service desk's vocabulary and its one table of numbers. Pure data and rules; no I/O.

Every number the desk works by (regulatory deadlines, service-level targets, the claims policy)
is a row of ``DESK_RULES`` with its source. An admin may change a row (``desk_rules`` in the
database holds the overrides); a regulatory row can be tightened, never loosened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from expressdesk.desk.calendar import WEEKDAYS, WorkCalendar, parse_hours


class TicketType(StrEnum):
    INQUIRY = "inquiry"  # 咨询
    TRACE = "trace"  # 查件
    URGING = "urging"  # 催件
    COMPLAINT = "complaint"  # 投诉
    CLAIM = "claim"  # 理赔
    SUGGESTION = "suggestion"  # 建议


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    API = "api"
    EMAIL = "email"
    REGULATOR = "regulator"  # an appeal (申诉) forwarded by the postal regulator
    SYSTEM = "system"  # opened by the system (a missed pickup)


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Tier(StrEnum):
    KEY = "key"  # 重点客户 (the 80/20 rule)
    REGULAR = "regular"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_INTERNAL = "waiting_internal"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class ComplaintCategory(StrEnum):
    """The categories of WeChat's express complaint platform."""

    DELAY = "delay"
    LOSS = "loss"
    DAMAGE = "damage"  # damage or missing contents
    ATTITUDE = "attitude"
    OTHER = "other"


# Statuses a ticket may move to from each status; anything else is refused.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset(
        {
            TicketStatus.OPEN,
            TicketStatus.WAITING_CUSTOMER,
            TicketStatus.WAITING_INTERNAL,
            TicketStatus.RESOLVED,
        }
    ),
    TicketStatus.OPEN: frozenset(
        {TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_INTERNAL, TicketStatus.RESOLVED}
    ),
    TicketStatus.WAITING_CUSTOMER: frozenset(
        {TicketStatus.OPEN, TicketStatus.WAITING_INTERNAL, TicketStatus.RESOLVED}
    ),
    TicketStatus.WAITING_INTERNAL: frozenset(
        {TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.REOPENED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.REOPENED}),
    TicketStatus.REOPENED: frozenset(
        {
            TicketStatus.OPEN,
            TicketStatus.WAITING_CUSTOMER,
            TicketStatus.WAITING_INTERNAL,
            TicketStatus.RESOLVED,
        }
    ),
}
# While waiting on the customer, service-level clocks stop (the ball is in their court);
# once resolved or closed the resolution clock has stopped, and a reopening starts it again.
PAUSED = frozenset({TicketStatus.WAITING_CUSTOMER})
DONE = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})

NAMES: dict[StrEnum, tuple[str, str]] = {
    TicketType.INQUIRY: ("咨询", "Inquiry"),
    TicketType.TRACE: ("查件", "Trace request"),
    TicketType.URGING: ("催件", "Urging"),
    TicketType.COMPLAINT: ("投诉", "Complaint"),
    TicketType.CLAIM: ("理赔", "Claim"),
    TicketType.SUGGESTION: ("建议", "Suggestion"),
    Channel.PHONE: ("电话", "Phone"),
    Channel.WEB: ("网页", "Web form"),
    Channel.API: ("接口", "API"),
    Channel.EMAIL: ("邮件", "E-mail"),
    Channel.REGULATOR: ("邮政管理部门转办（申诉）", "Appeal via the postal regulator"),
    Channel.SYSTEM: ("系统", "System"),
    Priority.URGENT: ("紧急", "Urgent"),
    Priority.HIGH: ("高", "High"),
    Priority.NORMAL: ("普通", "Normal"),
    Priority.LOW: ("低", "Low"),
    Tier.KEY: ("重点客户", "Key account"),
    Tier.REGULAR: ("普通客户", "Regular"),
    TicketStatus.NEW: ("新建", "New"),
    TicketStatus.OPEN: ("处理中", "Open"),
    TicketStatus.WAITING_CUSTOMER: ("等待客户", "Waiting on customer"),
    TicketStatus.WAITING_INTERNAL: ("等待内部单位", "Waiting on internal unit"),
    TicketStatus.RESOLVED: ("已解决", "Resolved"),
    TicketStatus.CLOSED: ("已关闭", "Closed"),
    TicketStatus.REOPENED: ("重新打开", "Reopened"),
    ComplaintCategory.DELAY: ("延误", "Delay"),
    ComplaintCategory.LOSS: ("丢失", "Loss"),
    ComplaintCategory.DAMAGE: ("损毁 / 内件短少", "Damage or missing contents"),
    ComplaintCategory.ATTITUDE: ("服务态度", "Service attitude"),
    ComplaintCategory.OTHER: ("其他", "Other"),
}


# The kinds of line on a ticket's trail.
ENTRY_NAMES: dict[str, tuple[str, str]] = {
    "created": ("受理", "Opened"),
    "call": ("再次来电", "Called again"),
    "customer": ("客户留言", "Customer wrote"),
    "reply": ("回复客户", "Reply"),
    "note": ("内部备注", "Internal note"),
    "status": ("状态变更", "Status changed"),
    "changed": ("信息修改", "Changed"),
    "transfer": ("转交", "Transferred"),
    "callback": ("承诺回电", "Call back promised"),
    "callback_done": ("已回电", "Called back"),
    "callback_late": ("回电超时", "Call back late"),
    "sla_warning": ("即将超时", "Target at risk"),
    "sla_breach": ("已超时", "Target breached"),
    "escalated": ("已升级给主管", "Escalated to the supervisors"),
    "search": ("查件", "Search"),
    "claim": ("理赔决定", "Claim decided"),
    "claim_notice": ("理赔通知", "Claim notice"),
    "attachment": ("附件", "Attachment"),
}


def entry_name(kind: str, locale: str) -> str:
    zh, en = ENTRY_NAMES.get(kind, (kind, kind))
    return zh if locale == "zh_CN" else en


def name_of(value: StrEnum, locale: str) -> str:
    zh, en = NAMES[value]
    return zh if locale == "zh_CN" else en


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"
    REGULATORY = "regulatory"


METRIC_NAMES: dict[Metric, tuple[str, str]] = {
    Metric.FIRST_RESPONSE: ("首次响应", "First response"),
    Metric.NEXT_RESPONSE: ("再次响应", "Next response"),
    Metric.RESOLUTION: ("解决", "Resolution"),
    Metric.REGULATORY: ("法定时限", "Regulatory deadline"),
}


# ---------------------------------------------------------------------------------------------
# The one table of numbers
# ---------------------------------------------------------------------------------------------

REG_COMPLAINT = "快递暂行条例 (2018) 第二十八条"
REG_APPEAL = "快递市场管理办法 (2023) 第三十条、第五十五条 (15 days commonly cited)"
GBT_DELAY = "GB/T 27917.3 (彻底延误; sources disagree, not verified here)"
COMPANY = "company policy"


@dataclass(frozen=True)
class Rule:
    """One number (or working-hours text) the desk works by."""

    key: str
    default: float | str
    unit: str  # days, hours, factor, percent, yuan, multiple, hours-of-day
    source: str
    # A regulatory ceiling: the value may be lowered (tightened) but never raised above it.
    ceiling: float | None = None
    minimum: float = 0.0
    description: str = ""


def _sla(metric: str, ticket_type: TicketType, hours: float, source: str = COMPANY) -> Rule:
    return Rule(
        f"sla.{metric}.{ticket_type.value}",
        hours,
        "business hours",
        source,
        minimum=0.25,
        description=f"{metric.replace('_', ' ')} target for {ticket_type.value} tickets",
    )


# Service-level targets in business hours, for a normal-priority ticket of a regular customer.
_TARGETS: dict[TicketType, tuple[float, float, float]] = {
    TicketType.INQUIRY: (2, 4, 8),
    TicketType.TRACE: (2, 4, 24),  # our default: a trace request answered within 24 hours
    TicketType.URGING: (1, 2, 8),
    TicketType.COMPLAINT: (2, 4, 40),
    TicketType.CLAIM: (4, 8, 80),
    TicketType.SUGGESTION: (8, 16, 80),
}

DESK_RULES: dict[str, Rule] = {
    r.key: r
    for r in (
        Rule("regulatory.complaint_days", 7, "days", REG_COMPLAINT, ceiling=7, minimum=1,
             description="a complaint is handled and the customer told within this many calendar days of receipt"),
        Rule("regulatory.appeal_days", 15, "days", REG_APPEAL, ceiling=15, minimum=1,
             description="reply deadline of an appeal (申诉) forwarded by the postal regulator, calendar days"),
        Rule("delay_limit.same_city_days", 3, "days", GBT_DELAY, ceiling=3, minimum=1,
             description="a same-city parcel this many calendar days past its promise counts as lost"),
        Rule("delay_limit.domestic_days", 7, "days", GBT_DELAY, ceiling=7, minimum=1,
             description="a domestic parcel this many calendar days past its promise counts as lost"),
        Rule("delay_limit.hk_macao_days", 7, "days", GBT_DELAY, ceiling=7, minimum=1,
             description="Hong Kong / Macao: calendar days past the promise after which the parcel counts as lost"),
        Rule("delay_limit.taiwan_days", 10, "days", GBT_DELAY, ceiling=10, minimum=1,
             description="Taiwan: calendar days past the promise after which the parcel counts as lost"),
        Rule("delay_limit.international_days", 15, "days", "by agreement with the shipper", minimum=1,
             description="international: calendar days past the promise after which the parcel counts as lost"),
        *(_sla(m, t, h)
          for t, targets in _TARGETS.items()
          for m, h in zip(("first_response", "next_response", "resolution"), targets, strict=True)),
        Rule("sla.priority_factor.urgent", 0.25, "factor", COMPANY, minimum=0.05),
        Rule("sla.priority_factor.high", 0.5, "factor", COMPANY, minimum=0.05),
        Rule("sla.priority_factor.normal", 1, "factor", COMPANY, minimum=0.05),
        Rule("sla.priority_factor.low", 2, "factor", COMPANY, minimum=0.05),
        Rule("sla.tier_factor.key", 0.5, "factor", COMPANY + " (key accounts by the 80/20 rule, seed 000)", minimum=0.05),
        Rule("sla.tier_factor.regular", 1, "factor", COMPANY, minimum=0.05),
        Rule("sla.warn_percent", 80, "percent", COMPANY, minimum=10,
             description="a clock warns when this share of its target has passed"),
        *(Rule(f"hours.{d}", "09:00-18:00" if i < 5 else ("09:00-12:00" if i == 5 else ""),
               "hours-of-day", COMPANY, description=f"working hours on {d} (empty: closed)")
          for i, d in enumerate(WEEKDAYS)),
        Rule("claims.cap_multiple", 3, "multiple", COMPANY + " (3× the fee is common practice, not law; 条例 art. 27)",
             minimum=0, description="uninsured loss or damage is paid up to this multiple of the fee"),
        Rule("claims.approval_above_yuan", 500, "yuan", COMPANY, minimum=0,
             description="claims paying more than this need a supervisor's approval"),
        Rule("merge.urging_window_hours", 24, "hours", COMPANY + " (seed 002: 催件 three times a day)", minimum=1,
             description="repeat calls about the same parcel within this window join the open ticket"),
        Rule("search.step_hours", 24, "hours", COMPANY, minimum=1,
             description="time a unit has to search for a parcel before the search moves on"),
        Rule("care.delay_notice", 1, "on/off", COMPANY + " (seed 004: tell them before they call)", minimum=0,
             description="1: a predicted delay is told to the recipient (SMS) and the shipper (e-mail) at once"),
        Rule("care.first_shipment_thanks", 1, "on/off", "seed 000/001: thank-you within 24 hours", minimum=0,
             description="1: a new customer's first shipment is followed by a thank-you within 24 hours"),
        Rule("care.survey_after_delivery", 1, "on/off", "seed 000/001: surveys right after the service", minimum=0,
             description="1: a delivered parcel's recipient gets a satisfaction survey link"),
        Rule("care.survey_delay_hours", 2, "hours", COMPANY, minimum=0,
             description="how long after delivery the survey link is sent"),
        Rule("care.survey_after_ticket", 1, "on/off", "seed 000/001", minimum=0,
             description="1: a resolved ticket's customer gets a satisfaction survey link"),
        Rule("care.survey_valid_days", 14, "days", COMPANY, minimum=1,
             description="a survey link can be answered for this many days"),
        Rule("care.low_csat", 2, "score", COMPANY, minimum=0,
             description="a satisfaction score (1–5) at or below this opens a follow-up ticket"),
        Rule("care.low_nps", 3, "score", COMPANY, minimum=-1,
             description="a recommend score (0–10) at or below this opens a follow-up ticket (-1: never)"),
        Rule("callback.default_minutes", 120, "minutes", COMPANY, minimum=5,
             description="default due time of a call-back promised to a customer"),
    )
}  # fmt: skip


class RuleValueRefused(ValueError):
    """A rule value an admin may not set (with the reason)."""


def check_rule_value(key: str, raw: str) -> float | str:
    """Parse and check a new value of rule ``key``; raises ``RuleValueRefused`` with the rule."""
    rule = DESK_RULES.get(key)
    if rule is None:
        raise RuleValueRefused(f"unknown rule '{key}'")
    if isinstance(rule.default, str):
        try:
            parse_hours(raw)
        except ValueError as exc:
            raise RuleValueRefused(str(exc)) from None
        return raw.strip()
    try:
        value = float(raw)
    except ValueError:
        raise RuleValueRefused("must be a number") from None
    if value != value or value < rule.minimum:  # NaN, or below the floor
        raise RuleValueRefused(f"must be at least {rule.minimum:g} {rule.unit}")
    if rule.ceiling is not None and value > rule.ceiling:
        raise RuleValueRefused(
            f"may be tightened but not loosened beyond {rule.ceiling:g} {rule.unit} ({rule.source})"
        )
    return value


@dataclass(frozen=True)
class DeskRules:
    """The rule table as it stands: defaults overlaid by the admin's overrides."""

    values: Mapping[str, float | str]

    @classmethod
    def of(cls, overrides: Mapping[str, str] | None = None) -> DeskRules:
        values: dict[str, float | str] = {k: r.default for k, r in DESK_RULES.items()}
        for key, raw in (overrides or {}).items():
            if key in DESK_RULES:
                try:
                    values[key] = check_rule_value(key, raw)
                except RuleValueRefused:
                    continue  # a value that became invalid (a ceiling lowered in code): default
        return cls(values)

    def number(self, key: str) -> float:
        value = self.values[key]
        assert isinstance(value, float | int), key
        return float(value)

    def text(self, key: str) -> str:
        return str(self.values[key])

    def target_hours(
        self, metric: Metric, ticket_type: TicketType, priority: Priority, tier: Tier
    ) -> float:
        """A service-level target in business hours: the type's base × priority × tier."""
        base = self.number(f"sla.{metric.value}.{ticket_type.value}")
        return (
            base
            * self.number(f"sla.priority_factor.{priority.value}")
            * self.number(f"sla.tier_factor.{tier.value}")
        )

    def calendar(
        self, tz: ZoneInfo, days_off: frozenset[date], makeup_days: frozenset[date]
    ) -> WorkCalendar:
        hours: dict[int, tuple[time, time]] = {}
        for i, day in enumerate(WEEKDAYS):
            span = parse_hours(self.text(f"hours.{day}"))
            if span is not None:
                hours[i] = span
        return WorkCalendar(tz, hours, days_off, makeup_days, hours.get(0))


def calendar_refusal(changed: Mapping[str, str], current: DeskRules) -> str | None:
    """Why a change to the working hours is refused: a week with no working hours at all would
    make every service-level target unreachable."""
    merged = {**{k: str(v) for k, v in current.values.items()}, **changed}
    if all(parse_hours(merged[f"hours.{d}"]) is None for d in WEEKDAYS):
        return "at least one weekday must have working hours"
    return None
