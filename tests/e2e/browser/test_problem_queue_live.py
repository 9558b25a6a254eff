"""In a real browser: the problem queue shows a problem revealed by a scan, without reload,
within 2 seconds; then the agent takes it and resolves it on its page."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from expressdesk.clock import FixedClock
from tests.support.problems import H, new_waybill, upload
from tests.support.scans import scan
from tests.support.world import PASSWORD, World

pytestmark = pytest.mark.browser


def test_a_missort_scanned_through_the_api_appears_in_the_open_queue_within_two_seconds(
    browser: Browser, live_server: str, client: TestClient, world: World, clock: FixedClock
) -> None:
    number = new_waybill(client, world)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/problems")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="问题件队列")).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    expect(page.locator("#queue-rows")).not_to_contain_text(number)

    t = clock.now() - 30 * H
    started = time.monotonic()
    upload(
        client,
        world,
        [
            scan(number, "pickup", t, facility="HZ01"),
            scan(number, "arrival", t + 28 * H, facility="BJ02"),  # 朝阳区 belongs to BJ01
        ],
    )
    row = page.locator("#queue-rows tr", has_text=number)
    expect(row).to_be_visible(timeout=5000)
    elapsed = time.monotonic() - started
    print(f"scan to queue row: {elapsed:.2f} s")
    assert elapsed < 2.0, f"the problem took {elapsed:.2f} s to appear"
    expect(row).to_contain_text("错分")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload

    # The agent opens it, takes it, and cannot resolve it as delivered (not signed yet).
    row.get_by_role("link", name="错分").click()
    expect(page.locator("#owner")).to_have_text("—")
    page.locator("#assign").click()
    expect(page.locator("#owner")).to_have_text("agent")
    page.select_option("select[name=resolution]", "delivered")
    page.locator("#resolve").click()
    expect(page.get_by_role("alert")).to_contain_text("signed")
    page.select_option("select[name=resolution]", "resent_to_right_outlet")
    page.locator("#resolve").click()
    expect(page.locator("#problem-status")).to_have_text("已完结")
    clock.advance(timedelta(minutes=1))
    context.close()
