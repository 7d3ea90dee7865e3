"""The simulator over real HTTP on 127.0.0.1, and the app configured to sync to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tools.portal_sim import PortalState, SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(PortalState(hang_seconds=1.0)) as server:
        yield server


@pytest.fixture
def portal_app(app: Flask, sim: SimServer) -> Flask:
    """The app pointed at the simulator, with small batches and a short timeout."""
    app.config.update(
        PORTAL_URL=sim.url,
        PORTAL_USER="counter",
        PORTAL_PASSWORD="counter",
        PORTAL_BATCH=5,
        PORTAL_TIMEOUT=0.5,
    )
    return app
