"""Use cases of the waybill feature: quote, create (one or many), look up. Flushes, never commits.

The JSON API, the pages, the bulk import and the CLI all call these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Product, Role, ShipmentStatus
from expressdesk.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Customer, RateCard, RateCardPrice, User, Waybill
from expressdesk.network import repository as network_repo
from expressdesk.network.rules import AreaRule, match_delivery_area
from expressdesk.waybills import repository
from expressdesk.waybills.addresses import ParsedAddress, parse_addresses
from expressdesk.waybills.numbering import (
    is_valid_waybill_number,
    make_waybill_number,
    normalize_waybill_number,
)
from expressdesk.waybills.phones import InvalidPhone, normalize_phone
from expressdesk.waybills.pricing import Quote, Surcharges, ZonePrice, default_zone, quote
from expressdesk.waybills.schemas import QuoteRequest, WaybillCreate

# Reports one problem: (draft index, field, rule, message).
Report = Callable[[int, str, str, str], None]

# Zone used to price an address we could not place; the desk corrects it (and the price) later.
UNPLACED_ZONE = "3"


class InvalidWaybillNumber(ValidationFailed):
    code = "invalid_waybill_number"


class WaybillNotFound(NotFound):
    code = "waybill_not_found"


class OrderRefAlreadyUsed(Conflict):
    code = "order_ref_already_used"


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def grams(kg: Decimal) -> int:
    return int((kg * 1000).to_integral_value())


def check_waybill_number(raw: str, settings: Settings, field_name: str = "number") -> str:
    """The normalised number, or a clear 'not a valid waybill number' (never 'not found')."""
    number = normalize_waybill_number(raw)
    if not is_valid_waybill_number(number, settings.waybill_prefix):
        raise InvalidWaybillNumber(
            f"{field_name}: '{raw}' is not a valid waybill number "
            f"({settings.waybill_prefix} followed by 12 digits with a correct check digit)",
            problems=[
                FieldProblem(field_name, "waybill_check_digit", "not a valid waybill number")
            ],
        )
    return number


@dataclass
class Pricer:
    """The rate cards and zone matrix loaded once, then used for every waybill of a batch."""

    session: Session
    list_card: RateCard
    zones: dict[tuple[str, str], str]
    _prices: dict[int, dict[tuple[Product, str], RateCardPrice]] = field(default_factory=dict)
    _contract: dict[int, RateCard | None] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Pricer:
        card = repository.list_rate_card(session)
        if card is None:
            raise Conflict("no active list rate card: an admin must load one before pricing")
        return cls(session, card, repository.zone_map(session))

    def _prices_of(self, card_id: int) -> dict[tuple[Product, str], RateCardPrice]:
        if card_id not in self._prices:
            self._prices[card_id] = repository.prices_of(self.session, card_id)
        return self._prices[card_id]

    def card_for(self, customer_id: int | None) -> RateCard:
        if customer_id is None:
            return self.list_card
        if customer_id not in self._contract:
            self._contract[customer_id] = repository.contract_rate_card(self.session, customer_id)
        return self._contract[customer_id] or self.list_card

    def zone(self, origin: str | None, dest: str | None) -> str:
        if not origin or not dest:
            return UNPLACED_ZONE
        return self.zones.get((origin, dest)) or default_zone(origin, dest)

    def price(self, card: RateCard, product: Product, zone: str) -> RateCardPrice | None:
        """The contract price if the card has one for this product and zone, else the list price."""
        return self._prices_of(card.id).get((product, zone)) or self._prices_of(
            self.list_card.id
        ).get((product, zone))

    def quote(
        self,
        *,
        customer_id: int | None,
        product: Product,
        origin: ParsedAddress,
        dest: ParsedAddress,
        weight_g: int,
        dimensions: tuple[int, int, int] | None,
        declared_value_fen: int,
        cod_amount_fen: int,
        receipt_return: bool,
    ) -> tuple[RateCard, Quote]:
        card = self.card_for(customer_id)
        zone = self.zone(origin.province, dest.province)
        if product is Product.SAME_DAY and (not origin.city or origin.city != dest.city):
            raise ValidationFailed.on(
                "product",
                "same_city_only",
                "same-day delivery (当天件) is only offered within one city",
            )
        row = self.price(card, product, zone)
        if row is None:
            raise ValidationFailed.on(
                "product", "not_offered", f"product '{product.value}' is not offered in zone {zone}"
            )
        result = quote(
            product=product,
            zone=zone,
            price=ZonePrice(
                row.first_weight_g,
                row.first_price_fen,
                row.additional_unit_g,
                row.additional_price_fen,
            ),
            surcharges=Surcharges(
                card.insurance_rate_permille,
                card.insurance_min_fen,
                card.cod_rate_permille,
                card.cod_min_fen,
                card.receipt_fee_fen,
            ),
            weight_g=weight_g,
            dimensions_cm=dimensions,
            volumetric_divisor=card.volumetric_divisor,
            declared_value_fen=declared_value_fen,
            cod_amount_fen=cod_amount_fen,
            receipt_return=receipt_return,
        )
        return card, result


def quote_price(
    session: Session, request: QuoteRequest, actor: User | None
) -> tuple[RateCard, Quote]:
    """A price quote with the same rules as billing."""
    customer = _customer_for(session, request.customer_code, actor)
    origin, dest = parse_addresses([request.origin, request.destination])
    for name, parsed in (("origin", origin), ("destination", dest)):
        if not parsed.province:
            raise ValidationFailed.on(
                name, "address_unrecognised", "no province or city recognised"
            )
    dims = None
    if request.length_cm and request.width_cm and request.height_cm:
        dims = (request.length_cm, request.width_cm, request.height_cm)
    return Pricer.load(session).quote(
        customer_id=customer.id if customer else None,
        product=request.product,
        origin=origin,
        dest=dest,
        weight_g=grams(request.weight_kg),
        dimensions=dims,
        declared_value_fen=fen(request.declared_value),
        cod_amount_fen=fen(request.cod_amount),
        receipt_return=request.receipt_return,
    )


def _customer_for(session: Session, code: str | None, actor: User | None) -> Customer | None:
    """The customer a request acts for; a shipper user always acts for their own account."""
    if actor is not None and actor.role is Role.SHIPPER:
        own = session.get(Customer, actor.customer_id) if actor.customer_id else None
        if own is None:
            raise PermissionDenied("this shipper user has no customer account")
        if code and code != own.code:
            raise PermissionDenied("customer_code: a shipper can only act for their own account")
        return own
    if not code:
        return None
    customer = repository.customer_by_code(session, code)
    if customer is None:
        raise ValidationFailed.on("customer_code", "unknown_code", f"no customer account '{code}'")
    return customer


@dataclass(frozen=True)
class CreateOutcome:
    waybill: Waybill
    created: bool  # False: an idempotent replay of an earlier request with the same order_ref


def create_waybill(
    session: Session, data: WaybillCreate, actor: User, now: datetime, settings: Settings
) -> CreateOutcome:
    """Create one waybill; repeating a request with the same customer and order_ref is safe."""
    customer = _customer_for(session, data.customer_code, actor)
    if customer is not None and data.order_ref:
        existing = repository.existing_order_refs(session, customer.id, [data.order_ref])
        if data.order_ref in existing:
            earlier = existing[data.order_ref]
            if _same_request(earlier, data):
                return CreateOutcome(earlier, created=False)
            raise OrderRefAlreadyUsed(
                f"order_ref: '{data.order_ref}' was already used for waybill {earlier.number} "
                "with different content"
            )
    problems, waybills = build_waybills(session, [data], actor, now, settings)
    if problems:
        raise ValidationFailed(
            "; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems
        )
    return CreateOutcome(waybills[0], created=True)


def _same_request(earlier: Waybill, data: WaybillCreate) -> bool:
    try:
        phone = normalize_phone(data.recipient.phone)
    except InvalidPhone:
        return False
    return (
        earlier.recipient_phone == phone
        and earlier.weight_g == grams(data.weight_kg)
        and earlier.product == data.product
        and earlier.recipient_name == data.recipient.name
    )


def build_waybills(
    session: Session,
    drafts: list[WaybillCreate],
    actor: User,
    now: datetime,
    settings: Settings,
    lines: list[int] | None = None,
) -> tuple[list[FieldProblem], list[Waybill]]:
    """Validate, price, route and insert many waybills; on any problem insert none.

    Returns every problem found (with the draft's line number when ``lines`` is given) or
    the new waybills, flushed.
    """
    problems: list[FieldProblem] = []
    line_of = lines or [None] * len(drafts)  # type: ignore[list-item]

    def problem(i: int, field_name: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field_name, rule, message, line_of[i]))

    customers: list[Customer | None] = []
    customer_cache: dict[str | None, Customer | None] = {}
    for i, draft in enumerate(drafts):
        try:
            if draft.customer_code not in customer_cache:
                customer_cache[draft.customer_code] = _customer_for(
                    session, draft.customer_code, actor
                )
            customers.append(customer_cache[draft.customer_code])
        except ValidationFailed as exc:
            for p in exc.problems:
                problem(i, p.field, p.rule, p.message)
            customers.append(None)

    phones: list[tuple[str, str]] = []
    for i, draft in enumerate(drafts):
        pair = []
        for role_name, party in (("sender", draft.sender), ("recipient", draft.recipient)):
            try:
                pair.append(normalize_phone(party.phone))
            except InvalidPhone as exc:
                problem(i, f"{role_name}.phone", "phone_cn", str(exc))
                pair.append("")
        phones.append((pair[0], pair[1]))
        if draft.cod_amount > 0 and customers[i] is None:
            problem(
                i, "cod_amount", "cod_needs_account", "cash on delivery needs a customer account"
            )

    _check_order_refs(session, drafts, customers, problem)

    parsed = parse_addresses(
        [d.sender.address for d in drafts] + [d.recipient.address for d in drafts]
    )
    senders, recipients = parsed[: len(drafts)], parsed[len(drafts) :]
    area_rules = network_repo.area_rules_for_districts(
        session, [p.district for p in parsed if p.district]
    )
    pricer = Pricer.load(session)
    quotes: list[tuple[RateCard, Quote] | None] = []
    for i, draft in enumerate(drafts):
        customer = customers[i]
        try:
            quotes.append(
                pricer.quote(
                    customer_id=customer.id if customer else None,
                    product=draft.product,
                    origin=senders[i],
                    dest=recipients[i],
                    weight_g=grams(draft.weight_kg),
                    dimensions=draft.dimensions,
                    declared_value_fen=fen(draft.declared_value),
                    cod_amount_fen=fen(draft.cod_amount),
                    receipt_return=draft.receipt_return,
                )
            )
        except ValidationFailed as exc:
            for p in exc.problems:
                problem(i, p.field, p.rule, p.message)
            quotes.append(None)
    if problems:
        return problems, []

    dest_areas = [_area_for(area_rules, r) for r in recipients]
    origin_areas = [_area_for(area_rules, s) for s in senders]
    outlet_of = network_repo.outlets_of_areas(
        session, [a for a in dest_areas + origin_areas if a is not None]
    )
    serials = repository.take_serials(session, len(drafts))
    waybills: list[Waybill] = []
    for i, draft in enumerate(drafts):
        card, q = quotes[i]  # type: ignore[misc]  # no problems: every quote is set
        dest_area = dest_areas[i]
        customer = customers[i]
        sender, recipient = senders[i], recipients[i]
        origin_area = origin_areas[i]
        origin_outlet = customer.home_outlet_id if customer and customer.home_outlet_id else None
        if origin_outlet is None and origin_area is not None:
            origin_outlet = outlet_of.get(origin_area)
        dims = draft.dimensions
        waybills.append(
            Waybill(
                number=make_waybill_number(settings.waybill_prefix, serials[i]),
                customer_id=customer.id if customer else None,
                order_ref=draft.order_ref or None,
                product=draft.product,
                status=ShipmentStatus.CREATED,
                sender_name=draft.sender.name,
                sender_phone=phones[i][0],
                sender_province=sender.province,
                sender_city=sender.city,
                sender_district=sender.district,
                sender_address=draft.sender.address,
                sender_address_parsed=sender.parsed,
                recipient_name=draft.recipient.name,
                recipient_phone=phones[i][1],
                recipient_province=recipient.province,
                recipient_city=recipient.city,
                recipient_district=recipient.district,
                recipient_address=draft.recipient.address,
                recipient_address_parsed=recipient.parsed,
                contents=draft.contents,
                weight_g=grams(draft.weight_kg),
                length_cm=dims[0] if dims else None,
                width_cm=dims[1] if dims else None,
                height_cm=dims[2] if dims else None,
                volumetric_weight_g=q.volumetric_weight_g,
                chargeable_weight_g=q.chargeable_weight_g,
                declared_value_fen=fen(draft.declared_value),
                cod_amount_fen=fen(draft.cod_amount),
                freight_collect=draft.freight_collect,
                receipt_return=draft.receipt_return,
                freight_fen=q.freight_fen,
                insurance_fee_fen=q.insurance_fee_fen,
                cod_fee_fen=q.cod_fee_fen,
                receipt_fee_fen=q.receipt_fee_fen,
                total_fen=q.total_fen,
                rate_card_id=card.id,
                origin_facility_id=origin_outlet,
                dest_facility_id=outlet_of.get(dest_area) if dest_area is not None else None,
                dest_area_id=dest_area,
                created_at=now,
                created_by_id=actor.id,
            )
        )
    session.add_all(waybills)
    session.flush()
    return [], waybills


def _area_for(rules: list[AreaRule], address: ParsedAddress) -> int | None:
    return match_delivery_area(
        rules, address.province, address.city, address.district, address.detail
    )


def _check_order_refs(
    session: Session,
    drafts: list[WaybillCreate],
    customers: list[Customer | None],
    report: Report,
) -> None:
    """An order_ref is used once per customer: within the batch and against earlier waybills."""
    seen: dict[tuple[int, str], int] = {}
    by_customer: dict[int, list[str]] = {}
    for i, draft in enumerate(drafts):
        customer = customers[i]
        if customer is None or not draft.order_ref:
            continue
        key = (customer.id, draft.order_ref)
        if key in seen:
            report(i, "order_ref", "unique", f"'{draft.order_ref}' appears twice in this batch")
        seen[key] = i
        by_customer.setdefault(customer.id, []).append(draft.order_ref)
    for customer_id, refs in by_customer.items():
        existing = repository.existing_order_refs(session, customer_id, refs)
        for (cid, ref), i in seen.items():
            if cid == customer_id and ref in existing:
                report(
                    i,
                    "order_ref",
                    "unique",
                    f"'{ref}' was already used for waybill {existing[ref].number}",
                )


def get_waybill(
    session: Session, raw_number: str, actor: User | None, settings: Settings
) -> Waybill:
    """A waybill the actor may see: staff see all, a shipper only their own (others: not found)."""
    number = check_waybill_number(raw_number, settings)
    waybill = repository.waybill_by_number(session, number)
    if waybill is None or not can_see(actor, waybill):
        raise WaybillNotFound(f"waybill {number} not found")
    return waybill


def can_see(actor: User | None, waybill: Waybill) -> bool:
    if actor is None:
        return False
    if actor.role is Role.SHIPPER:
        return actor.customer_id is not None and waybill.customer_id == actor.customer_id
    return True


def search_waybills(
    session: Session,
    actor: User,
    *,
    phone: str | None = None,
    customer_code: str | None = None,
    status: ShipmentStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Waybill], int]:
    """Waybills by phone, customer or status; a shipper is confined to their own account."""
    customer_id: int | None = None
    if actor.role is Role.SHIPPER:
        customer_id = actor.customer_id or -1
    elif customer_code:
        customer = repository.customer_by_code(session, customer_code)
        if customer is None:
            raise ValidationFailed.on(
                "customer", "unknown_code", f"no customer account '{customer_code}'"
            )
        customer_id = customer.id
    normalized_phone = None
    if phone:
        try:
            normalized_phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise ValidationFailed.on("phone", "phone_cn", str(exc)) from exc
    return repository.search_waybills(
        session,
        customer_id=customer_id,
        phone=normalized_phone,
        status=status,
        limit=limit,
        offset=offset,
    )
