from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.problems import new_waybill
from tests.support.receivers import HttpReceiver, SmtpReceiver
from tests.support.world import World


@pytest.fixture
def number(client: TestClient, world: World) -> str:
    return new_waybill(client, world)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    r = SmtpReceiver()
    yield r
    r.stop()
