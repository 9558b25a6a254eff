"""Claims (理赔) by rule: the policy computes what is payable, a supervisor approves above a
threshold, the bearer (the company, or the outlet that did the work) is recorded, and the
customer is told at each step on the claim's ticket. Flushes, never commits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import repository
from expressdesk.desk.clocks import DeskSetup
from expressdesk.desk.compensation import CLAIM_KIND_NAMES, ClaimFacts, ClaimKind, compensation
from expressdesk.desk.rules import Channel, Priority, TicketType
from expressdesk.desk.schemas import ClaimCreate, ClaimDecision, TicketCreate
from expressdesk.desk.service import SUPERVISING, add_entry, create_ticket, get_ticket, link_waybill
from expressdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Claim, Customer, Ticket, User, Waybill
from expressdesk.waybills.service import check_waybill_number

FEN = Decimal(100)


class ClaimNotFound(NotFound):
    code = "claim_not_found"


class ClaimChanged(Conflict):
    code = "claim_changed"


class ClaimDecided(Conflict):
    code = "claim_decided"


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / FEN


def _fen(yuan: Decimal) -> int:
    return int((yuan * FEN).to_integral_value())


def cap_multiple(session: Session, waybill: Waybill, setup: DeskSetup) -> Decimal:
    """The cap on uninsured claims: the contract's, else the company's (per product if set)."""
    if waybill.customer_id is not None:
        customer = session.get(Customer, waybill.customer_id)
        if customer is not None and customer.claim_cap_multiple:
            return Decimal(customer.claim_cap_multiple)
    return Decimal(str(setup.rules.number("claims.cap_multiple")))


def facts_for(
    waybill: Waybill, kind: ClaimKind, goods_value: Decimal, share: Decimal, cap: Decimal
) -> ClaimFacts:
    return ClaimFacts(
        kind=kind,
        fee=_yuan(waybill.freight_fen),
        insurance_fee=_yuan(waybill.insurance_fee_fen),
        declared_value=_yuan(waybill.declared_value_fen) if waybill.declared_value_fen else None,
        goods_value=goods_value,
        damage_share=share,
        cap_multiple=cap,
    )


def _tell(session: Session, ticket: Ticket | None, claim: Claim, now: datetime,
          actor: User | None) -> None:  # fmt: skip
    """The customer is told at each step (a public entry on the claim's ticket, in their
    language; the notifications outbox sends it)."""
    if ticket is None:
        return
    zh = ticket.locale == "zh_CN"
    kind = CLAIM_KIND_NAMES[claim.kind][0 if zh else 1]
    amount = _yuan(claim.payable_fen if claim.payable_fen is not None else claim.amount_fen)
    texts = {
        "submitted": (f"您的{kind}理赔申请 {claim.number} 已受理，按规定可赔 {amount:.2f} 元，我们会尽快处理。",
                      f"Your {kind.lower()} claim {claim.number} is registered; under our policy "
                      f"{amount:.2f} yuan is payable. We will handle it promptly."),
        "pending_approval": (f"您的理赔申请 {claim.number}（{amount:.2f} 元）正在等待主管审批。",
                             f"Your claim {claim.number} ({amount:.2f} yuan) awaits a supervisor's approval."),
        "approved": (f"您的理赔申请 {claim.number} 已批准，赔付金额 {amount:.2f} 元。",
                     f"Your claim {claim.number} is approved: {amount:.2f} yuan."),
        "rejected": (f"很抱歉，您的理赔申请 {claim.number} 未获批准：{claim.reason}",
                     f"We are sorry: your claim {claim.number} was not approved: {claim.reason}"),
        "paid": (f"您的理赔款 {amount:.2f} 元（{claim.number}）已支付。",
                 f"The compensation of {amount:.2f} yuan ({claim.number}) has been paid."),
    }  # fmt: skip
    zh_text, en_text = texts[claim.status]
    add_entry(
        session, ticket, "claim_notice", now, actor, body=zh_text if zh else en_text, public=True,
        data={"claim": claim.number, "status": claim.status},
    )  # fmt: skip


def _decide_status(claim: Claim, setup: DeskSetup) -> None:
    threshold = setup.rules.number("claims.approval_above_yuan")
    if _yuan(claim.amount_fen) > Decimal(str(threshold)):
        claim.status = "pending_approval"
    else:
        claim.status, claim.payable_fen = "approved", claim.amount_fen


def _new_claim(
    session: Session,
    waybill: Waybill,
    kind: ClaimKind,
    goods_value: Decimal,
    share: Decimal,
    now: datetime,
    setup: DeskSetup,
    actor: User | None,
) -> Claim:
    facts = facts_for(waybill, kind, goods_value, share, cap_multiple(session, waybill, setup))
    result = compensation(facts)
    serial = repository.next_serial(session, "claim")
    return Claim(
        number=f"C{serial}",
        waybill_id=waybill.id,
        customer_id=waybill.customer_id,
        kind=kind,
        goods_value_fen=_fen(goods_value),
        damage_share_permille=int(share * 1000),
        declared_value_fen=waybill.declared_value_fen,
        fee_fen=waybill.freight_fen,
        insurance_fee_fen=waybill.insurance_fee_fen,
        cap_multiple=str(facts.cap_multiple),
        amount_fen=_fen(result.amount),
        basis=f"{result.basis_zh}\n{result.basis_en}",
        created_at=now,
        created_by_id=actor.id if actor else None,
        changed_at=now,
    )


def create_claim(
    session: Session, actor: User, data: ClaimCreate, now: datetime, setup: DeskSetup,
    settings: Settings,
) -> Claim:  # fmt: skip
    """Register a claim; the policy computes the payable amount, and small claims are approved
    at once while larger ones wait for a supervisor."""
    number = check_waybill_number(data.waybill, settings, field_name="waybill")
    waybill = repository.waybills_by_number(session, [number]).get(number)
    if waybill is None:
        raise ValidationFailed.on("waybill", "unknown_waybill", f"no waybill {number}")
    if (
        data.kind in (ClaimKind.DAMAGE, ClaimKind.MISSING_CONTENTS, ClaimKind.LOSS)
        and not data.goods_value
    ):
        raise ValidationFailed.on("goods_value", "required", "give the goods' evidenced value")
    responsible = None
    if data.responsible_unit:
        unit = repository.facility_by_code(session, data.responsible_unit)
        if unit is None:
            raise ValidationFailed.on(
                "responsible_unit", "unknown_facility", f"no facility {data.responsible_unit}"
            )
        responsible = unit.id
    if data.bearer == "outlet" and responsible is None:
        raise ValidationFailed.on("responsible_unit", "required", "an outlet bears it: say which")
    if data.ticket:
        ticket = get_ticket(session, data.ticket)
    else:
        ticket, _ = create_ticket(
            session, actor,
            TicketCreate(type=TicketType.CLAIM, subject=f"{CLAIM_KIND_NAMES[data.kind][0]} {number}",
                         description=data.reason, waybills=[number], channel=Channel.PHONE,
                         priority=Priority.NORMAL, contact_name=waybill.sender_name,
                         contact_phone=waybill.sender_phone),
            now, settings, setup,
        )  # fmt: skip
    link_waybill(session, ticket, waybill)
    claim = _new_claim(
        session, waybill, data.kind, data.goods_value, data.damage_share, now, setup, actor
    )
    claim.ticket_id = ticket.id
    claim.responsible_facility_id = responsible
    claim.bearer = data.bearer
    claim.reason = data.reason
    session.add(claim)
    session.flush()
    _tell(session, ticket, claim, now, actor)
    _decide_status(claim, setup)
    _tell(session, ticket, claim, now, actor)
    session.flush()
    return claim


def open_loss_claim(
    session: Session, waybill: Waybill, ticket: Ticket | None, responsible_facility_id: int | None,
    now: datetime, setup: DeskSetup, actor: User | None,
) -> Claim:  # fmt: skip
    """The parcel was declared lost: a loss claim against the unit that last held it, valued at
    the declared value (insured) or the fee's cap (uninsured) until evidence says otherwise."""
    value = (
        _yuan(waybill.declared_value_fen)
        if waybill.declared_value_fen
        else _yuan(waybill.freight_fen) * cap_multiple(session, waybill, setup)
    )
    claim = _new_claim(session, waybill, ClaimKind.LOSS, value, Decimal(1), now, setup, actor)
    claim.ticket_id = ticket.id if ticket else None
    claim.responsible_facility_id = responsible_facility_id
    claim.bearer = "outlet" if responsible_facility_id else "company"
    claim.reason = "declared lost: complete-delay limit passed (彻底延误)"
    session.add(claim)
    session.flush()
    _decide_status(claim, setup)
    _tell(session, ticket, claim, now, actor)
    return claim


def decide(
    session: Session, actor: User, number: str, data: ClaimDecision, now: datetime, setup: DeskSetup
) -> Claim:
    """Approve, reject or mark paid; above the threshold only a supervisor decides."""
    claim = repository.claim_by_number(session, number, lock=True)
    if claim is None:
        raise ClaimNotFound(f"claim {number} not found")
    if data.version != claim.version:
        raise ClaimChanged(
            f"claim {number} changed since you saw it (version {claim.version}); reload"
        )
    threshold = Decimal(str(setup.rules.number("claims.approval_above_yuan")))
    payable = claim.amount_fen if data.payable is None else _fen(data.payable)
    if data.decision in ("approve", "reject"):
        if claim.status not in ("submitted", "pending_approval", "approved"):
            raise ClaimDecided(f"claim {number} is already {claim.status}")
        needs_supervisor = (
            _yuan(max(payable, claim.amount_fen)) > threshold or payable != claim.amount_fen
        )
        if needs_supervisor and actor.role not in SUPERVISING:
            raise PermissionDenied(
                f"a claim above {threshold:.2f} yuan, or paying other than the policy's amount, "
                "needs a supervisor"
            )
        if data.decision == "reject" and len(data.reason) < 2:
            raise ValidationFailed.on("reason", "required", "say why the claim is rejected")
        claim.status = "approved" if data.decision == "approve" else "rejected"
        claim.payable_fen = payable if data.decision == "approve" else 0
        claim.reason = data.reason or claim.reason
        claim.decided_by_id, claim.decided_at = actor.id, now
    else:
        if claim.status != "approved":
            raise ClaimDecided(
                f"claim {number} must be approved before it is paid (it is {claim.status})"
            )
        claim.status, claim.paid_at = "paid", now
    claim.changed_at = now
    ticket = session.get(Ticket, claim.ticket_id) if claim.ticket_id else None
    _tell(session, ticket, claim, now, actor)
    if ticket is not None:
        add_entry(session, ticket, "claim", now, actor, body=data.reason,
                  data={"claim": claim.number, "decision": data.decision, "payable_fen": claim.payable_fen})  # fmt: skip
    session.flush()
    return claim


def claim_out(session: Session, claim: Claim) -> dict[str, object]:
    """A claim as the API shows it (money in yuan, as strings: exact)."""
    waybill = session.get(Waybill, claim.waybill_id)
    ticket = session.get(Ticket, claim.ticket_id) if claim.ticket_id else None
    units = repository.facility_codes(session, [claim.responsible_facility_id])
    return {
        "number": claim.number,
        "waybill": waybill.number if waybill else None,
        "ticket": ticket.number if ticket else None,
        "kind": claim.kind.value,
        "status": claim.status,
        "amount": f"{_yuan(claim.amount_fen):.2f}",
        "payable": None if claim.payable_fen is None else f"{_yuan(claim.payable_fen):.2f}",
        "basis": claim.basis,
        "goods_value": f"{_yuan(claim.goods_value_fen):.2f}",
        "damage_share": claim.damage_share_permille / 1000,
        "declared_value": f"{_yuan(claim.declared_value_fen):.2f}",
        "fee": f"{_yuan(claim.fee_fen):.2f}",
        "cap_multiple": claim.cap_multiple,
        "responsible_unit": units.get(claim.responsible_facility_id or 0),
        "bearer": claim.bearer,
        "reason": claim.reason,
        "version": claim.version,
    }
