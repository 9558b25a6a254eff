"""The public tracking page in a real browser, in Chinese and in English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from expressdesk.clock import FixedClock
from tests.support.scans import life
from tests.support.world import World, waybill_payload

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "track_button", "delivered", "confirm"),
    [("zh-CN", "查件", "已签收", "确认"), ("en-US", "Track", "Delivered", "Confirm")],
)
def test_visitor_pastes_numbers_and_confirms_the_phone(
    browser: Browser,
    live_server: str,
    client: TestClient,
    world: World,
    clock: FixedClock,
    locale: str,
    track_button: str,
    delivered: str,
    confirm: str,
) -> None:
    numbers = [
        client.post(
            "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
        ).json()["number"]
        for _ in range(2)
    ]
    client.post(
        "/api/v1/scans",
        json={"scans": life(numbers[0], clock.now() - timedelta(days=3))},
        headers=world.headers("ops"),
    )
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.goto(f"{live_server}/track")
    # Pasted from a chat: dashes, spaces and a blank line.
    page.fill("#numbers", f"{numbers[0][:6]}-{numbers[0][6:]}\n\n {numbers[1]} ")
    page.get_by_role("button", name=track_button, exact=True).click()
    first = page.locator(f'article[data-number="{numbers[0]}"]')
    expect(first.locator(".status")).to_have_text(delivered)
    expect(first.locator(".recipient")).to_contain_text("李*")
    expect(page.locator(f'article[data-number="{numbers[1]}"] .timeline li')).to_have_count(1)
    first.locator("input[name=last4]").fill("5678")
    first.get_by_role("button", name=confirm).click()
    expect(page.locator(f'article[data-number="{numbers[0]}"] .recipient')).to_contain_text("李雷")
    context.close()
