"""Where routes live: the JSON API's prefix, and how the application adds its routers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

API_PREFIX = "/api/v1"


def add_routes(app: FastAPI, *routers: APIRouter) -> None:
    """Add the routers' routes to the application's own list, in order.

    Since FastAPI 0.137 `include_router` keeps each router as a node that is matched by
    scanning all of its routes, once more for every level of nesting and again to dispatch
    (fastapi/fastapi#16159): with our ~180 routes that cost 1.5–2 ms on every request, a 404
    included. Our routers are complete when declared (each carries its full prefix, tags and
    dependencies: the API's as ``f"{API_PREFIX}/…"``), so their routes are added as they are
    and a request is matched by one regular expression per route, in this order.
    """
    for router in routers:
        app.router.routes.extend(router.routes)
