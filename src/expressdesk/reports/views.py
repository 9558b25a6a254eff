"""The report pages (with charts), their XLSX and PDF downloads, the parcels behind a network
figure, and the reports API. Staff see every report; a shipper's user sees only its account's
monthly report."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.db import unit_of_work
from expressdesk.enums import Role
from expressdesk.errors import NotFound
from expressdesk.models import Customer, User
from expressdesk.reports import data, document, export
from expressdesk.reports.figures import FIGURES
from expressdesk.web.deps import Allow, ClockDep, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, page_locale, render
from expressdesk.web.routing import API_PREFIX

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=f"{API_PREFIX}/reports", tags=["reports"])
STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
StaffPage = Annotated[User, Depends(PageAllow(*STAFF))]
AnyPage = Annotated[User, Depends(PageAllow(*STAFF, Role.SHIPPER))]
Staff = Annotated[User, Depends(Allow(*STAFF))]
Reader = Annotated[User, Depends(Allow(*STAFF, Role.SHIPPER))]
Format = Annotated[str, Query(pattern="^(html|xlsx|pdf)$")]
PeriodText = Annotated[str, Query(max_length=10)]
CustomerCode = Annotated[str, Path(max_length=24)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _deliver(request: Request, doc: document.Document, format: str,
             extra: dict[str, Any] | None = None) -> Response:  # fmt: skip
    if format == "xlsx":
        return Response(export.to_xlsx(doc), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{doc.filename}.xlsx"'})  # fmt: skip
    if format == "pdf":
        return Response(export.to_pdf(doc), media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{doc.filename}.pdf"'})  # fmt: skip
    blocks = [(b, base64.b64encode(b.png).decode() if isinstance(b, document.Chart) else None)
              for b in doc.blocks]  # fmt: skip
    context = {"doc": doc, "blocks": blocks, **(extra or {})}
    return render(request, "reports/report.html", context)


def customer_for(session: Session, code: str, user: User) -> Customer:
    """The account, if this user may see its reports (a shipper only its own)."""
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise NotFound(f"customer {code} not found")
    if user.role is Role.SHIPPER and user.customer_id != customer.id:
        # Not "forbidden": another account's existence is not disclosed.
        raise NotFound(f"customer {code} not found")
    return customer


def _fill(request: Request, session: Session, kind: str, period: data.Period, tz: ZoneInfo,
          now: datetime) -> None:  # fmt: skip
    """Fill in the rollup days a report needs and never had, in a writing transaction of its
    own (the page's session only reads; it starts afresh to see them)."""
    with unit_of_work(request.app.state.writer_session_factory) as writer:
        data.fill_rollup(writer, kind, period, tz, now)
    session.rollback()


def _default_month(now: datetime, tz: ZoneInfo) -> str:
    return data.previous_month(now, tz).name


@router.get("/reports")
def reports_index(
    request: Request, user: AnyPage, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    tz = ZoneInfo(settings.timezone)
    now = clock.now()
    if user.role is Role.SHIPPER:
        customers = [c for c in [session.get(Customer, user.customer_id or 0)] if c]
    else:
        customers = list(session.scalars(
            select(Customer).where(Customer.tier == "key").order_by(Customer.code)
        ))  # fmt: skip
    last = data.previous_month(now, tz)
    quarter = f"{last.first.year}-Q{(last.first.month - 1) // 3 + 1}"
    return render(request, "reports/index.html", {
        "customers": customers, "month": last.name, "this_month": f"{now.astimezone(tz):%Y-%m}",
        "quarter": quarter, "year": str(last.first.year), "figures": list(FIGURES.values()),
    })  # fmt: skip


def _report(
    request: Request, session: Session, user: User, clock: Any, settings: Any, kind: str,
    period: data.Period, format: str, build: Any, render_doc: Any, param: str = "month",
) -> Response:  # fmt: skip
    """Fill in the rollup days the report needs, build it, and deliver it as asked."""
    tz = ZoneInfo(settings.timezone)
    now = clock.now()
    _fill(request, session, kind, period, tz, now)
    doc = render_doc(build(period, tz, now), tz, page_locale(request, user))
    return _deliver(request, doc, format, {"period_param": param, "period": period.name})


def _month(clock: Any, settings: Any, month: str) -> data.Period:
    return data.parse_period(month or _default_month(clock.now(), ZoneInfo(settings.timezone)))


@router.get("/reports/customer/{code}")
def customer_report_page(
    code: CustomerCode, request: Request, user: AnyPage, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, month: PeriodText = "", format: Format = "html",
) -> Response:  # fmt: skip
    customer = customer_for(session, code, user)

    def build(period: data.Period, tz: ZoneInfo, now: datetime) -> data.CustomerReport:
        return data.customer_report(session, customer, period, tz, now, fill=False)

    period = _month(clock, settings, month)
    return _report(request, session, user, clock, settings, "customer", period, format, build,
                   document.customer_document)  # fmt: skip


@router.get("/reports/network")
def network_report_page(
    request: Request, user: StaffPage, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, month: PeriodText = "", format: Format = "html",
) -> Response:  # fmt: skip
    def build(period: data.Period, tz: ZoneInfo, now: datetime) -> data.NetworkReport:
        return data.network_report(session, period, tz, now, fill=False)

    period = _month(clock, settings, month)
    return _report(request, session, user, clock, settings, "network", period, format, build,
                   document.network_document)  # fmt: skip


@router.get("/reports/period")
def period_report_page(
    request: Request, user: StaffPage, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, period: PeriodText = "", format: Format = "html",
) -> Response:  # fmt: skip
    def build(chosen: data.Period, tz: ZoneInfo, now: datetime) -> data.PeriodReport:
        return data.period_report(session, chosen, tz, now, fill=False)

    year = f"{clock.now().astimezone(ZoneInfo(settings.timezone)):%Y}"
    chosen = data.parse_period(period or year, "period")
    return _report(request, session, user, clock, settings, "period", chosen, format, build,
                   document.period_document, "period")  # fmt: skip


@router.get("/reports/desk")
def desk_report_page(
    request: Request, user: StaffPage, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, month: PeriodText = "", format: Format = "html",
) -> Response:  # fmt: skip
    def build(period: data.Period, tz: ZoneInfo, now: datetime) -> data.DeskReport:
        return data.desk_report(session, period, tz, now, fill=False)

    period = _month(clock, settings, month)
    return _report(request, session, user, clock, settings, "desk", period, format, build,
                   document.desk_document)  # fmt: skip


@router.get("/reports/network/parcels")
def parcels_behind_page(
    request: Request, user: StaffPage, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, month: PeriodText, figure: Annotated[str, Query(max_length=40)],
    outlet: Annotated[int | None, Query(ge=0)] = None,
    origin: Annotated[str | None, Query(max_length=20)] = None,
    dest: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:  # fmt: skip
    tz = ZoneInfo(settings.timezone)
    period = data.parse_period(month)
    found = data.parcels_behind(session, period, figure, tz, clock.now(), outlet=outlet,
                                origin=origin, dest=dest)  # fmt: skip
    locale = page_locale(request, user)
    return render(request, "reports/parcels.html", {
        "found": found, "period": period, "figure": FIGURES[figure].label(locale),
        "filters": {"outlet": outlet, "origin": origin, "dest": dest},
    })  # fmt: skip


def _figures_json(line: data.Line) -> dict[str, Any]:
    return {"counts": line.counts, "figures": line.figures}


@api_router.get("/customer/{code}")
def customer_report_api(
    code: CustomerCode, request: Request, user: Reader, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, month: PeriodText,
) -> dict[str, Any]:  # fmt: skip
    """An account's monthly figures (a shipper may read only its own account's)."""
    tz = ZoneInfo(settings.timezone)
    customer = customer_for(session, code, user)
    period, now = data.parse_period(month), clock.now()
    _fill(request, session, "customer", period, tz, now)
    report = data.customer_report(session, customer, period, tz, now, fill=False)
    return {"customer": customer.code, "month": report.period.name,
            "as_of": report.as_of.isoformat() if report.as_of else None,
            **_figures_json(report.total),
            "by_province": [{"province": p.label, **_figures_json(p)}
                            for p in report.by_province]}  # fmt: skip


@api_router.get("/network")
def network_report_api(
    request: Request,
    user: Staff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    month: PeriodText,
) -> dict[str, Any]:
    """The network's figures for a month against the national targets, by outlet and route."""
    tz = ZoneInfo(settings.timezone)
    period, now = data.parse_period(month), clock.now()
    _fill(request, session, "network", period, tz, now)
    report = data.network_report(session, period, tz, now, fill=False)
    targets = {k: {"value": FIGURES[k].target.value, "at_least": FIGURES[k].target.at_least}  # type: ignore[union-attr]
               for k in data.NATIONAL}  # fmt: skip
    outlets = [{"outlet": o.label, "id": int(o.key), **_figures_json(o)} for o in report.by_outlet]
    routes = [{"route": r.label, **_figures_json(r)} for r in report.by_route]
    return {"month": report.period.name, "targets": targets, **_figures_json(report.total),
            "by_outlet": outlets, "by_route": routes}  # fmt: skip
