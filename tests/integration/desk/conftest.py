from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.problems import new_waybill
from tests.support.world import World


@pytest.fixture
def number(client: TestClient, world: World) -> str:
    return new_waybill(client, world)
