"""The public tracking page (/track): up to 20 numbers, masked until the phone is confirmed."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from expressdesk.errors import AppError
from expressdesk.tracking.access import limit_public, visibility
from expressdesk.tracking.masking import phone_matches_last4
from expressdesk.tracking.query import tracking_view
from expressdesk.waybills import repository as waybill_repo
from expressdesk.waybills.numbering import normalize_waybill_number
from expressdesk.waybills.service import check_waybill_number
from expressdesk.web.deps import ClockDep, OptionalUser, SessionDep, SettingsDep
from expressdesk.web.pages import page_locale, render, require_csrf
from expressdesk.web.ratelimit import TooManyRequests

router = APIRouter(include_in_schema=False)
MAX_NUMBERS = 20
VERIFIED_COOKIE = "ed_trk"
VERIFIED_MINUTES = 30


def split_numbers(text: str) -> list[str]:
    """One number a line (commas too); spaces and dashes inside a number are tolerated."""
    numbers: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        for part in re.split(r"[,;，；]+", line):
            compact = normalize_waybill_number(part)
            if compact and compact not in numbers:
                numbers.append(compact)
    return numbers


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="tracking-verified")


def verified_numbers(request: Request) -> set[str]:
    cookie = request.cookies.get(VERIFIED_COOKIE)
    if not cookie:
        return set()
    try:
        data = _serializer(request).loads(cookie, max_age=VERIFIED_MINUTES * 60)
    except BadSignature:
        return set()
    return set(data) if isinstance(data, list) else set()


@router.get("/track")
def track_page(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    numbers: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    wanted = split_numbers(numbers)
    context: dict[str, object] = {"numbers": numbers, "results": [], "max_numbers": MAX_NUMBERS}
    if len(wanted) > MAX_NUMBERS:
        context["error"] = "too_many_numbers"
        return render(request, "tracking/track.html", context, 422)
    if not wanted:
        return render(request, "tracking/track.html", context)
    try:
        limit_public(request, user, len(wanted), clock.now())
    except TooManyRequests as exc:
        context["error"] = "rate_limited"
        context["retry_after"] = exc.retry_after
        response = render(request, "tracking/track.html", context, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    locale = page_locale(request, user)
    verified = verified_numbers(request)
    results: list[dict[str, object]] = []
    for number in wanted:
        try:
            valid = check_waybill_number(number, settings)
        except AppError:
            results.append({"number": number, "problem": "invalid"})
            continue
        waybill = waybill_repo.waybill_by_number(session, valid)
        if waybill is None:
            results.append({"number": valid, "problem": "not_found"})
            continue
        seen = visibility(user, waybill, verified=valid in verified)
        view = tracking_view(
            session, waybill, locale=locale, now=clock.now(), reveal=seen.reveal, staff=False
        )
        results.append({"number": valid, "view": view})
    context["results"] = results
    return render(request, "tracking/track.html", context)


@router.post("/track/verify")
def verify_phone(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    number: Annotated[str, Form(max_length=40)],
    last4: Annotated[str, Form(max_length=8)],
    back: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Confirm the last four digits of the recipient's or sender's phone to see full details."""
    require_csrf(request, csrf_token)
    limit_public(request, user, 1, clock.now())  # guessing digits costs lookups too
    verified = verified_numbers(request)
    target = "/track?" + urlencode({"numbers": back or number})
    try:
        valid = check_waybill_number(number, settings)
    except AppError:
        return RedirectResponse(target, status_code=303)
    waybill = waybill_repo.waybill_by_number(session, valid)
    ok = waybill is not None and (
        phone_matches_last4(waybill.recipient_phone, last4)
        or phone_matches_last4(waybill.sender_phone, last4)
    )
    response = RedirectResponse(
        target + ("" if ok else "&" + urlencode({"failed": valid})), status_code=303
    )
    if ok:
        verified.add(valid)
        response.set_cookie(
            VERIFIED_COOKIE,
            _serializer(request).dumps(sorted(verified)[-MAX_NUMBERS:]),
            max_age=VERIFIED_MINUTES * 60,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
    return response
