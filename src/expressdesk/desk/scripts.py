"""Scenario scripts and canned replies (seed 002's cases) with the parcel's facts filled in.

Each script is a template per language; the placeholders are the facts an agent would otherwise
look up while the customer waits: status, last scan, estimated delivery, courier.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from expressdesk.desk import repository
from expressdesk.models import Ticket, Waybill
from expressdesk.tracking import repository as tracking_repository
from expressdesk.tracking.query import tracking_view
from expressdesk.tracking.scan_types import ScanType


@dataclass(frozen=True)
class Script:
    key: str
    title_zh: str
    title_en: str
    zh: str
    en: str


SCRIPTS: tuple[Script, ...] = (
    Script(
        "late_parcel", "快件延误安抚", "Late parcel",
        "您好，非常理解您着急的心情，给您带来不便深表歉意。您的快件 {waybill} 目前状态为「{status}」，"
        "最新记录：{last_scan}（{last_time}）。预计 {eta} 送达。我们已登记并交由责任网点跟进，"
        "有结果会第一时间回电告知您。",
        "Hello, we understand you are waiting and we are sorry for the delay. Your parcel "
        "{waybill} is \"{status}\"; the latest record: {last_scan} ({last_time}). We expect to "
        "deliver it by {eta}. We have recorded your case with the responsible outlet and will call "
        "you back as soon as we know more.",
    ),
    Script(
        "mailroom_signature", "收发室代签", "Signed by a mailroom",
        "您好，查询到您的快件 {waybill} 已于 {last_time} 由单位收发室代签收（{last_scan}）。"
        "建议您先到收发室领取；如需本人签收，我们会通知派件员下次联系您本人，并记录您的要求。",
        "Hello, your parcel {waybill} was signed for by your company's mailroom at {last_time} "
        "({last_scan}). Please collect it there; if you want to sign in person next time, we will "
        "tell the courier and record your wish.",
    ),
    Script(
        "cod_urging", "代收货款催件", "Cash-on-delivery urging",
        "您好，您的代收货款快件 {waybill} 当前状态为「{status}」，派件员 {courier}（{courier_phone}）"
        "负责派送，预计 {eta} 送达。我们已催促网点优先派送，并会在回款后通知您。",
        "Hello, your cash-on-delivery parcel {waybill} is \"{status}\"; courier {courier} "
        "({courier_phone}) is delivering it, expected by {eta}. We have asked the outlet to "
        "deliver it first and will tell you when the payment is collected.",
    ),
    Script(
        "angry_caller", "情绪激动客户", "Angry caller",
        "您好，非常抱歉让您不满意，您的意见对我们很重要。我已详细记录您反映的情况（快件 {waybill}，"
        "当前状态「{status}」），并已升级给主管处理，主管会在规定时限内回电给您。",
        "Hello, we are very sorry you are unhappy; what you tell us matters. I have recorded your "
        "case (parcel {waybill}, now \"{status}\") and escalated it to a supervisor, who will call "
        "you back within our time limits.",
    ),
    Script(
        "trace_started", "已启动查件", "Trace started",
        "您好，已为您的快件 {waybill} 启动查件，由最后经手的网点负责查找。最新记录：{last_scan}"
        "（{last_time}）。我们会在 24 小时内给您答复。",
        "Hello, we have started a trace for your parcel {waybill}; the outlet that last handled "
        "it is searching. The latest record: {last_scan} ({last_time}). We will answer within 24 hours.",
    ),
)  # fmt: skip
FACTS = ("waybill", "status", "last_scan", "last_time", "eta", "courier", "courier_phone")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def facts_of(session: Session, waybill: Waybill | None, now: datetime, locale: str,
             tz: ZoneInfo) -> dict[str, str]:  # fmt: skip
    """The facts a script needs, from the parcel's live tracking."""
    unknown = "—" if locale == "zh_CN" else "unknown"
    facts = dict.fromkeys(FACTS, unknown)
    if waybill is None:
        return facts
    view = tracking_view(session, waybill, locale=locale, now=now, reveal=True, staff=True)
    facts["waybill"] = waybill.number
    facts["status"] = view.status_label
    if view.events:
        facts["last_scan"] = view.events[0].description
        facts["last_time"] = f"{view.events[0].time:%Y-%m-%d %H:%M}"
    if view.estimated_delivery:
        facts["eta"] = f"{view.estimated_delivery.astimezone(tz):%Y-%m-%d}"
    rows = tracking_repository.timeline_rows(session, waybill)
    delivery = [r for r in rows if r.scan_type == ScanType.OUT_FOR_DELIVERY.value and r.courier_id]
    if delivery:
        last = delivery[-1]
        names = tracking_repository.usernames(session, [last.courier_id])
        facts["courier"] = names.get(last.courier_id, unknown)
        facts["courier_phone"] = last.courier_phone or unknown
    return facts


def for_ticket(
    session: Session, ticket: Ticket, now: datetime, locale: str, tz: ZoneInfo
) -> list[dict[str, str]]:
    """Every script, filled in with the ticket's (first) parcel's facts, in ``locale``."""
    numbers = repository.waybill_numbers(session, [ticket.id])[ticket.id]
    waybill = (
        repository.waybills_by_number(session, numbers[:1]).get(numbers[0]) if numbers else None
    )
    facts = facts_of(session, waybill, now, locale, tz)
    return [
        {
            "key": s.key,
            "title": s.title_zh if locale == "zh_CN" else s.title_en,
            "text": (s.zh if locale == "zh_CN" else s.en).format(**facts),
        }
        for s in SCRIPTS
    ]
