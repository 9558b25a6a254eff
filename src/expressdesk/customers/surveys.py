"""Satisfaction surveys: the tokenized link, answering once before it expires, attributing the
answer to the courier, outlet and customer, a follow-up ticket for a low score, and the results
by courier, outlet, customer and month. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.customers.satisfaction import Satisfaction, is_low, satisfaction
from expressdesk.desk.rules import DeskRules
from expressdesk.errors import AppError, Conflict, NotFound, ValidationFailed
from expressdesk.models import (
    Customer,
    DeskRuleValue,
    Facility,
    ScanEvent,
    SurveyResponse,
    Ticket,
    TicketWaybill,
    User,
    Waybill,
)
from expressdesk.tracking import repository as tracking_repository

SALT = "expressdesk-survey"
Kind = Literal["waybill", "ticket"]


class SurveyExpired(AppError):
    status_code = 410
    code = "survey_expired"


class SurveyAnswered(Conflict):
    code = "survey_answered"


def _serializer(settings: Settings, now: datetime) -> URLSafeTimedSerializer:
    """Signed with the time of ``now`` (the injected clock), not the machine's."""
    at = int(now.timestamp())
    signer = type("_SignedAt", (TimestampSigner,), {"get_timestamp": lambda self: at})
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT, signer=signer)


def survey_token(settings: Settings, kind: str, ident: int, now: datetime) -> str:
    return _serializer(settings, now).dumps([kind, ident])


def _rules(session: Session) -> DeskRules:
    return DeskRules.of({r.key: r.value for r in session.scalars(select(DeskRuleValue))})


@dataclass(frozen=True)
class Survey:
    kind: Kind
    subject_id: int
    waybill: Waybill | None
    ticket: Ticket | None
    answered: SurveyResponse | None


def open_survey(session: Session, token: str, settings: Settings, now: datetime) -> Survey:
    """The survey behind a link, or a clear error (not valid, expired)."""
    max_age = int(_rules(session).number("care.survey_valid_days") * 86400)
    try:
        kind, ident = _serializer(settings, now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise SurveyExpired("this survey link has expired") from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound("this survey link is not valid") from None
    if kind not in ("waybill", "ticket") or not isinstance(ident, int):
        raise NotFound("this survey link is not valid")
    waybill = session.get(Waybill, ident) if kind == "waybill" else None
    ticket = session.get(Ticket, ident) if kind == "ticket" else None
    if waybill is None and ticket is None:
        raise NotFound("this survey is about nothing we know")
    answered = session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.kind == kind, SurveyResponse.subject_id == ident
        )
    )
    return Survey(kind, ident, waybill, ticket, answered)


def _courier_of(session: Session, waybill: Waybill) -> int | None:
    """Who took the parcel out for delivery last."""
    events = tracking_repository.events_of(waybill)
    if events is None:
        return None
    return session.scalar(
        select(ScanEvent.courier_id)
        .where(
            events,
            ScanEvent.scan_type == "out_for_delivery",
            ScanEvent.courier_id.is_not(None),
        )
        .order_by(ScanEvent.event_time.desc())
        .limit(1)
    )


def answer(
    session: Session,
    token: str,
    csat: int,
    nps: int,
    comment: str,
    locale: str,
    settings: Settings,
    now: datetime,
) -> SurveyResponse:
    """Record the answer (once); a low score opens a follow-up ticket for the responsible unit."""
    survey = open_survey(session, token, settings, now)
    if survey.answered is not None:
        raise SurveyAnswered("this survey has already been answered: thank you")
    if not 1 <= csat <= 5:
        raise ValidationFailed.on("csat", "range", "choose a score from 1 to 5")
    if not 0 <= nps <= 10:
        raise ValidationFailed.on("nps", "range", "choose a score from 0 to 10")
    waybill = survey.waybill
    ticket = survey.ticket
    if waybill is None and ticket is not None:
        linked = session.scalar(
            select(TicketWaybill.waybill_id).where(TicketWaybill.ticket_id == ticket.id).limit(1)
        )
        waybill = session.get(Waybill, linked) if linked else None
    response = SurveyResponse(
        kind=survey.kind,
        subject_id=survey.subject_id,
        waybill_id=waybill.id if waybill else None,
        ticket_id=ticket.id if ticket else None,
        customer_id=(ticket.customer_id if ticket else None)
        or (waybill.customer_id if waybill else None),
        courier_id=_courier_of(session, waybill) if waybill else None,
        facility_id=(ticket.responsible_facility_id if ticket else None)
        or (waybill.dest_facility_id if waybill else None),
        csat=csat,
        nps=nps,
        comment=comment.strip()[:2000],
        locale=locale,
        answered_at=now,
    )
    session.add(response)
    try:
        session.flush()  # the unique key refuses a second answer that raced this one
    except IntegrityError:
        session.rollback()
        raise SurveyAnswered("this survey has already been answered: thank you") from None
    rules = _rules(session)
    if is_low(csat, nps, int(rules.number("care.low_csat")), int(rules.number("care.low_nps"))):
        response.follow_up_ticket_id = _follow_up(session, response, waybill, settings, now)
        session.flush()
    return response


def _follow_up(session: Session, response: SurveyResponse, waybill: Waybill | None,
               settings: Settings, now: datetime) -> int:  # fmt: skip
    """A ticket for the unit the answer is about, so someone calls the customer back."""
    from expressdesk.desk.assign import choose_owner
    from expressdesk.desk.clocks import load_setup
    from expressdesk.desk.repository import candidates
    from expressdesk.desk.rules import Channel, Priority, TicketType
    from expressdesk.desk.schemas import TicketCreate
    from expressdesk.desk.service import create_ticket
    from expressdesk.enums import Role

    setup = load_setup(session, settings)
    subject = f"回访：满意度 {response.csat}/5，推荐 {response.nps}/10"
    data = TicketCreate(
        type=TicketType.INQUIRY,
        subject=subject,
        description=response.comment or subject,
        waybills=[waybill.number] if waybill else [],
        channel=Channel.WEB,
        priority=Priority.HIGH,
        contact_phone=waybill.recipient_phone if waybill else "",
        locale="zh_CN" if response.locale == "zh_CN" else "en",
    )
    ticket, _ = create_ticket(session, None, data, now, settings, setup)
    ticket.responsible_facility_id = response.facility_id
    if response.facility_id is not None:
        people = candidates(session, [Role.SUPERVISOR, Role.OPERATIONS, Role.AGENT],
                            facility_id=response.facility_id)  # fmt: skip
        owner = choose_owner(people)
        if owner is not None:
            ticket.owner_id = owner
    session.flush()
    return ticket.id


@dataclass(frozen=True)
class ResultRow:
    key: str
    label: str
    figures: Satisfaction


Group = Literal["courier", "outlet", "customer", "month"]


def results(
    session: Session, by: Group, since: datetime, until: datetime, tz: ZoneInfo
) -> list[ResultRow]:
    """CSAT and NPS with the number of answers, grouped by courier, outlet, customer or month."""
    rows = session.execute(
        select(
            SurveyResponse.csat,
            SurveyResponse.nps,
            SurveyResponse.courier_id,
            SurveyResponse.facility_id,
            SurveyResponse.customer_id,
            SurveyResponse.answered_at,
        ).where(SurveyResponse.answered_at >= since, SurveyResponse.answered_at <= until)
    ).all()
    groups: dict[str, list[tuple[int, int]]] = {}
    ids: dict[str, int | None] = {}
    for r in rows:
        if by == "month":
            key = f"{r.answered_at.astimezone(tz):%Y-%m}"
            ident = None
        else:
            ident = {"courier": r.courier_id, "outlet": r.facility_id, "customer": r.customer_id}[
                by
            ]
            key = str(ident) if ident is not None else "-"
        groups.setdefault(key, []).append((r.csat, r.nps))
        ids[key] = ident
    labels = _labels(session, by, {i for i in ids.values() if i is not None})
    out = [
        ResultRow(
            key, labels.get(ids[key] or 0, key if by == "month" else "—"), satisfaction(scores)
        )
        for key, scores in groups.items()
    ]
    return sorted(out, key=lambda r: r.key)


def _labels(session: Session, by: Group, ident: set[int]) -> dict[int, str]:
    if not ident:
        return {}
    if by == "courier":
        return {
            u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ident)))
        }
    if by == "outlet":
        return {
            f.id: f"{f.code} {f.name}"
            for f in session.scalars(select(Facility).where(Facility.id.in_(ident)))
        }
    return {
        c.id: f"{c.code} {c.name}"
        for c in session.scalars(select(Customer).where(Customer.id.in_(ident)))
    }
