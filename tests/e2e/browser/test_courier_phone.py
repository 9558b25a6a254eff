"""The courier's and the sorting staff's screens in a real browser at phone size: today's
pickups in window order, arrival at a pickup, scans typed like a wedge scanner (text + Enter),
a double submit recorded once, and a missort shown at the arrival scan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize, expect

from expressdesk.clock import FixedClock
from tests.support.world import PASSWORD, World, waybill_payload

pytestmark = pytest.mark.browser
PHONE: ViewportSize = {"width": 390, "height": 844}
H = timedelta(hours=1)


def _login(browser: Browser, live_server: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    return page


def test_the_courier_works_the_day_on_a_phone(
    browser: Browser, live_server: str, client: TestClient, world: World, clock: FixedClock
) -> None:
    for hours in (3, 1):  # booked out of order
        start = clock.now() + hours * H
        made = client.post("/api/v1/pickups", headers=world.headers("shipper_c1"), json={
            "contact_name": "王芳", "phone": "13800000000", "address": "北京市朝阳区建国路88号",
            "window_start": start.isoformat(), "window_end": (start + 2 * H).isoformat()})  # fmt: skip
        assert made.status_code == 201, made.text
    number = client.post("/api/v1/waybills", json=waybill_payload(),
                         headers=world.headers("shipper_c1")).json()["number"]  # fmt: skip
    page = _login(browser, live_server, "courier")
    page.goto(f"{live_server}/courier")
    expect(page.get_by_role("heading", name="今日任务")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    windows = page.locator("#pickups li.pickup strong").all_inner_texts()
    assert windows == sorted(windows) and len(windows) == 2  # in window order
    clock.advance(1.5 * H)  # inside the first window
    page.locator("#pickups li.pickup").first.get_by_role("button", name="我已到达").tap()
    expect(page.locator("#scan-result")).to_contain_text("在预约时间内")
    # The wedge scanner types the number and presses Enter.
    first_id = page.locator("input[name=scan_id]").input_value()
    page.select_option("#action", "pickup")
    page.locator("#waybill").type(number)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_contain_text("已记录")
    # The same form sent again (a double tap, a refresh): recorded once.
    page.evaluate("id => document.querySelector('input[name=scan_id]').value = id", first_id)
    page.select_option("#action", "pickup")
    page.locator("#waybill").fill(number)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_contain_text("已记录过")
    page.context.close()


def test_a_missort_is_shown_at_the_arrival_scan(
    browser: Browser, live_server: str, client: TestClient, world: World
) -> None:
    to_hangzhou = waybill_payload(recipient={"name": "李雷", "phone": "13912345678",
                                             "address": "浙江省杭州市西湖区文三路1号"})  # fmt: skip
    number = client.post("/api/v1/waybills", json=to_hangzhou,
                         headers=world.headers("shipper_c1")).json()["number"]  # fmt: skip
    page = _login(browser, live_server, "ops")
    page.goto(f"{live_server}/ops/arrival")
    page.locator("#waybill").type(number)
    page.keyboard.press("Enter")
    expect(page.locator("#missort")).to_contain_text("HZ01")
    page.context.close()
