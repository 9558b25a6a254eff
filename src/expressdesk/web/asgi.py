"""ASGI entry points: ``build`` (the application) and ``serve_app`` (what ``expressdesk serve``
runs in its worker: the application behind the trusted reverse proxies' forwarded headers)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from granian.utils.proxies import wrap_asgi_with_proxy_headers

from expressdesk.config import get_settings
from expressdesk.web.app import create_app
from expressdesk.web.server_logging import lean_log_records


def build() -> FastAPI:
    """The app for the settings of this process's environment."""
    return create_app(get_settings())


def serve_app() -> Any:
    """The served app: the client address is taken from X-Forwarded-For when, and only when,
    the request comes from one of ``forwarded_allow_ips`` (the reverse proxy)."""
    lean_log_records()  # in the worker process itself, whichever way it was started
    settings = get_settings()
    return wrap_asgi_with_proxy_headers(
        create_app(settings), trusted_hosts=settings.trusted_proxies
    )
