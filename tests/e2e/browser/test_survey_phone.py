"""The satisfaction survey in a real browser at phone size: answered once, refused the second
time, and an expired link says so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ViewportSize, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import Waybill
from expressdesk.notify.events import survey_link
from tests.support.problems import new_waybill
from tests.support.world import World

pytestmark = pytest.mark.browser
PHONE: ViewportSize = {"width": 390, "height": 844}


def test_a_recipient_answers_the_survey_on_a_phone(
    browser: Browser, live_server: str, client: TestClient, world: World, session: Session,
    settings: Settings, clock: FixedClock, tmp_path: Path,
) -> None:  # fmt: skip
    number = new_waybill(client, world)
    waybill = session.scalars(select(Waybill).where(Waybill.number == number)).one()
    path = "/" + survey_link(settings, "waybill", waybill.id, clock.now()).split("/", 3)[3]
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server + path)
    expect(page.get_by_role("heading", name="请评价我们的服务")).to_be_visible()
    # Every choice is big enough to tap and the form fits the screen without scrolling sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("input[name=csat][value='4']").locator("..").bounding_box()
    assert box is not None and box["height"] >= 44
    page.locator("input[name=csat][value='4']").locator("..").tap()
    page.locator("input[name=nps][value='9']").locator("..").tap()
    page.fill("textarea[name=comment]", "送货很快")
    page.locator("#survey-send").tap()
    expect(page.locator("#survey-done")).to_contain_text("谢谢")
    page.screenshot(path=str(tmp_path / "survey-done.png"))
    # The link again: already answered, the form is not offered.
    page.goto(live_server + path)
    expect(page.locator("#survey-done")).to_contain_text("已经")
    expect(page.locator("#survey-form")).to_have_count(0)
    # Two weeks later a fresh link has expired.
    second = new_waybill(client, world)
    session.rollback()  # a fresh snapshot
    other = session.scalars(select(Waybill).where(Waybill.number == second)).one()
    late = "/" + survey_link(settings, "waybill", other.id, clock.now()).split("/", 3)[3]
    clock.advance(timedelta(days=15))
    page.goto(live_server + late)
    expect(page.locator("#survey-error")).to_be_visible()
    context.close()
