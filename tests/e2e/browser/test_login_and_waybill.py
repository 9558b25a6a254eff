"""In a real browser: log in, search a waybill, see its page, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from tests.support.world import PASSWORD, World, waybill_payload

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "login_label", "recipient_label", "status_label"),
    [("zh-CN", "登录", "收件人", "已下单"), ("en-US", "Log in", "Recipient", "Order created")],
)
def test_agent_logs_in_searches_and_sees_the_waybill(
    browser: Browser,
    live_server: str,
    client: TestClient,
    world: World,
    tmp_path: Path,
    locale: str,
    login_label: str,
    recipient_label: str,
    status_label: str,
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name=login_label)).to_be_visible()
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=login_label).click()

    # A caller reads the number out with spaces: the search box copes.
    page.fill("#global-search", f"{number[:6]} {number[6:]}")
    page.keyboard.press("Enter")
    expect(page.locator("#waybill-number")).to_have_text(number)
    expect(page.locator("#waybill-status")).to_have_text(status_label)
    expect(page.get_by_role("heading", name=recipient_label)).to_be_visible()
    expect(page.get_by_text("李雷")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"waybill-{locale}.png"), full_page=True)

    # A mistyped digit says "not valid", not "not found".
    page.fill("#global-search", number[:-1] + str((int(number[-1]) + 1) % 10))
    page.keyboard.press("Enter")
    expect(page.locator("#lookup-error")).to_be_visible()
    context.close()


def test_language_switch_is_remembered(browser: Browser, live_server: str, world: World) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.goto(f"{live_server}/waybills")
    expect(page.get_by_role("heading", name="Waybills")).to_be_visible()
    context.close()
