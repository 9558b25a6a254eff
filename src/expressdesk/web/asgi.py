"""ASGI entry point for uvicorn: ``uvicorn --factory expressdesk.web.asgi:build``."""

from __future__ import annotations

from fastapi import FastAPI

from expressdesk.config import get_settings
from expressdesk.web.app import create_app


def build() -> FastAPI:
    """The app for the settings of this process's environment."""
    return create_app(get_settings())
