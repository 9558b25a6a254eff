"""Demo data for the service desk: the holiday calendar, tickets of every type and channel in
every state (merged urging calls, a complaint, an appeal, trace requests with searches), claims
and call-backs, so a newcomer sees a working desk."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import admin, claims, clocks, followups, searches, service
from expressdesk.desk.compensation import ClaimKind
from expressdesk.desk.rules import Channel, ComplaintCategory, TicketStatus, TicketType
from expressdesk.desk.schemas import (
    CallbackIn,
    ClaimCreate,
    ReplyIn,
    TicketCreate,
)
from expressdesk.enums import Role, ShipmentStatus
from expressdesk.errors import ValidationFailed
from expressdesk.models import Ticket, User, Waybill

SUBJECTS: dict[TicketType, tuple[str, ...]] = {
    TicketType.INQUIRY: ("询问运费和时效", "问能否改派送时间", "咨询保价怎么收费"),
    TicketType.TRACE: ("三天没有物流更新", "显示已到网点但没人派送", "查询快件在哪里"),
    TicketType.URGING: ("代收货款快件请尽快派送", "客户着急要货", "催促今天送到"),
    TicketType.COMPLAINT: ("派件员未经同意放驿站", "快件延误两天无人通知", "外包装破损"),
    TicketType.CLAIM: ("快件丢失申请理赔", "内件短少申请赔偿", "破损申请理赔"),
    TicketType.SUGGESTION: ("建议增加晚间派送", "建议短信通知派件员电话", "建议周末也可上门取件"),
}
CATEGORIES = list(ComplaintCategory)


def load_demo_desk(session: Session, settings: Settings, now: datetime, rng: random.Random) -> int:
    """Tickets of every type in every state; returns how many tickets there are."""
    for year in (now.year - 1, now.year, now.year + 1):
        try:
            admin.load_china_year(session, year)
        except ValidationFailed:
            continue  # the library does not know that year yet
    setup = clocks.load_setup(session, settings)
    agents = list(session.scalars(select(User).where(User.role == Role.AGENT).order_by(User.id)))
    parcels = list(
        session.scalars(
            select(Waybill)
            .where(Waybill.status.in_([ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED,
                                       ShipmentStatus.EXCEPTION, ShipmentStatus.OUT_FOR_DELIVERY]))
            .order_by(Waybill.id)
            .limit(300)
        )
    )  # fmt: skip
    if not agents or not parcels:
        return 0
    statuses = [None, TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED]
    for ticket_type in TicketType:
        for i, status in enumerate(statuses):
            parcel = rng.choice(parcels)
            agent = rng.choice(agents)
            received = now - timedelta(hours=rng.uniform(0.5, 60))
            data = TicketCreate(
                type=ticket_type,
                subject=SUBJECTS[ticket_type][i % 3],
                description=SUBJECTS[ticket_type][i % 3],
                waybills=[parcel.number] if ticket_type is not TicketType.SUGGESTION else [],
                channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.WEB, Channel.EMAIL]),
                category=rng.choice(CATEGORIES) if ticket_type is TicketType.COMPLAINT else None,
                contact_name=parcel.recipient_name,
                contact_phone=parcel.recipient_phone,
            )
            ticket, merged = service.create_ticket(session, agent, data, received, settings, setup)
            if merged:
                continue
            if ticket_type is TicketType.TRACE:
                searches.open_search_for_trace(session, ticket, received, setup, agent)
            if status is not None:
                at = min(received + timedelta(minutes=rng.uniform(10, 150)), now)
                service.reply(
                    session, agent, ticket.number,
                    ReplyIn(body="您好，已收到，正在为您处理。", status=status), at, setup,
                )  # fmt: skip
    # Repeat calls about one parcel are one ticket with the calls counted.
    parcel = parcels[0]
    for hours in (5, 3, 1):
        service.create_ticket(
            session, agents[0],
            TicketCreate(type=TicketType.URGING, subject="再次催件", waybills=[parcel.number],
                         contact_phone=parcel.recipient_phone),
            now - timedelta(hours=hours), settings, setup,
        )  # fmt: skip
    # An appeal forwarded by the postal regulator, with its own deadline.
    service.create_ticket(
        session, None,
        TicketCreate(type=TicketType.COMPLAINT, category=ComplaintCategory.LOSS,
                     channel=Channel.REGULATOR, subject="邮政管理部门转办：快件丢失未赔偿",
                     waybills=[parcels[1].number], contact_phone=parcels[1].sender_phone),
        now - timedelta(days=2), settings, setup,
    )  # fmt: skip
    # Claims: a small one approved at once, a delay refund, a large one for the supervisor.
    delivered = [p for p in parcels if p.status is ShipmentStatus.DELIVERED][:3]
    for parcel, kind, value in zip(delivered, (ClaimKind.DAMAGE, ClaimKind.DELAY, ClaimKind.LOSS),
                                   ("300", "0", "2000"), strict=False):  # fmt: skip
        claims.create_claim(
            session, agents[0],
            ClaimCreate(waybill=parcel.number, kind=kind, goods_value=value, damage_share="0.5",
                        reason="客户提供了照片和购物凭证"),
            now - timedelta(hours=20), setup, settings,
        )  # fmt: skip
    # Call-backs promised for later today, one already late.
    for ticket in session.scalars(select(Ticket).order_by(Ticket.id).limit(3)):
        followups.add_callback(
            session, agents[0], ticket.number,
            CallbackIn(due_at=now + timedelta(hours=rng.choice((1, 3))), note="回电告知处理结果"),
            now, setup,
        )  # fmt: skip
    followups.sweep(session, setup, now)
    return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)
