"""One account's history in one timeline (客户资料库): waybills and their problems, tickets,
claims, messages sent and survey answers, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.models import (
    Claim,
    Customer,
    CustomerNote,
    OutboxMessage,
    Problem,
    RateCard,
    SurveyResponse,
    Ticket,
    User,
    Waybill,
)


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str  # waybill, problem, ticket, claim, message, survey, note, lost
    text: str
    link: str | None = None


@dataclass(frozen=True)
class Account:
    customer: Customer
    contracts: list[RateCard]
    waybills_90d: int
    moments: list[Moment]
    manager: User | None = None


def account(session: Session, customer: Customer, now: datetime, limit: int = 60) -> Account:
    """The account with its history (the latest ``limit`` of each kind, merged)."""
    from datetime import timedelta

    cid = customer.id
    moments: list[Moment] = []
    for w in session.scalars(
        select(Waybill)
        .where(Waybill.customer_id == cid)
        .order_by(Waybill.created_at.desc())
        .limit(limit)
    ):
        moments.append(Moment(w.created_at, "waybill", f"{w.number} → {w.recipient_city or ''} · {w.status.value}",
                              f"/waybills/{w.number}"))  # fmt: skip
    problems = session.execute(
        select(Problem, Waybill.number)
        .join(Waybill, Waybill.id == Problem.waybill_id)
        .where(Waybill.customer_id == cid)
        .order_by(Problem.detected_at.desc())
        .limit(limit)
    )
    for p, number in problems:
        moments.append(Moment(p.detected_at, "problem", f"{p.type.value} · {number} · {p.status}",
                              f"/problems/{p.id}"))  # fmt: skip
    for t in session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == cid)
        .order_by(Ticket.received_at.desc())
        .limit(limit)
    ):
        moments.append(Moment(t.received_at, "ticket", f"{t.number} · {t.type.value} · {t.status.value} · {t.subject}",
                              f"/tickets/{t.number}"))  # fmt: skip
    for c in session.scalars(
        select(Claim).where(Claim.customer_id == cid).order_by(Claim.created_at.desc()).limit(limit)
    ):
        moments.append(
            Moment(
                c.created_at,
                "claim",
                f"{c.number} · {c.kind.value} · {c.status} · ¥{c.amount_fen / 100:.2f}",
            )
        )
    for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.customer_id == cid)
        .order_by(OutboxMessage.id.desc()).limit(limit)
    ):  # fmt: skip
        moments.append(
            Moment(m.sent_at or m.created_at, "message", f"{m.event} · {m.channel} · {m.status}")
        )
    for s in session.scalars(
        select(SurveyResponse).where(SurveyResponse.customer_id == cid)
        .order_by(SurveyResponse.answered_at.desc()).limit(limit)
    ):  # fmt: skip
        moments.append(Moment(s.answered_at, "survey", f"{s.csat}/5 · {s.nps}/10 · {s.comment}"))
    for note, author in session.execute(
        select(CustomerNote, User.display_name).outerjoin(User, User.id == CustomerNote.author_id)
        .where(CustomerNote.customer_id == cid).order_by(CustomerNote.id.desc()).limit(limit)
    ):  # fmt: skip
        moments.append(Moment(note.created_at, "note", f"{author or '—'}: {note.body}"))
    if customer.lost_at is not None:
        moments.append(Moment(customer.lost_at, "lost", customer.lost_reason))
    moments.sort(key=lambda m: m.at, reverse=True)
    volume = session.scalar(
        select(func.count()).where(
            Waybill.customer_id == cid, Waybill.created_at >= now - timedelta(days=90)
        )
    )
    contracts = list(session.scalars(select(RateCard).where(RateCard.customer_id == cid)))
    manager = (
        session.get(User, customer.account_manager_id) if customer.account_manager_id else None
    )
    return Account(customer, contracts, int(volume or 0), moments, manager)
