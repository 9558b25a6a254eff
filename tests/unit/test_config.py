import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from granian.utils.proxies import wrap_asgi_with_proxy_headers
from pydantic import ValidationError

from expressdesk.config import Settings


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production")


def test_production_starts_with_a_real_secret() -> None:
    settings = Settings(environment="production", secret_key="x" * 40)
    assert settings.environment == "production"


def test_database_defaults_to_the_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="")
    assert (
        settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'expressdesk.sqlite3'}"
    )


def test_waybill_prefix_must_be_capital_letters() -> None:
    with pytest.raises(ValidationError, match="waybill_prefix"):
        Settings(waybill_prefix="e1")


def test_trusted_proxies_are_addresses_or_networks_written_as_the_server_reads_them() -> None:
    """A network written with its host bits (10.0.0.1/8) is taken as the network: the proxy
    middleware would otherwise read it as a name that never matches, and every client behind
    the proxy would share the proxy's rate limit."""
    settings = Settings(forwarded_allow_ips=" 10.0.0.1/8, 127.0.0.1 ,::1")
    assert settings.trusted_proxies == ["10.0.0.0/8", "127.0.0.1", "::1"]
    assert Settings(forwarded_allow_ips="*").trusted_proxies == ["*"]
    app = wrap_asgi_with_proxy_headers(_client_of, trusted_hosts=settings.trusted_proxies)
    seen: list[str] = []
    scope = {
        "type": "http",
        "client": ("10.2.3.4", 5000),  # the proxy, inside 10.0.0.0/8
        "headers": [(b"x-forwarded-for", b"203.0.113.9")],
        "seen": seen,
    }
    # On a thread of its own: a browser test earlier in the run may hold this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, None, None)).result()
    assert seen == ["203.0.113.9"]  # the visitor, not the proxy


async def _client_of(scope: Any, receive: Any, send: Any) -> None:
    scope["seen"].append(scope["client"][0])


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.local", "127.0.0.1,*", " , "])
def test_a_bad_trusted_proxy_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(ValidationError, match="forwarded_allow_ips") as caught:
        Settings(forwarded_allow_ips=value)
    assert "address or network" in str(caught.value)
