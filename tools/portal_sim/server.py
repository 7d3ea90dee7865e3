"""Serving the simulator on 127.0.0.1 in a thread, with stop and restart on the same port."""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tools.portal_sim.app import PortalState, create_sim


class _QuietHandler(WSGIRequestHandler):
    """No access log; a dropped connection is expected, not an error to print."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_error(self, *args: Any) -> None:
        pass


class SimServer:
    """The simulator over real HTTP. ``stop()`` makes the port refuse connections."""

    def __init__(self, state: PortalState | None = None, host: str = "127.0.0.1", port: int = 0):
        self.app = create_sim(state)
        self.state: PortalState = self.app.config["SIM_STATE"]
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL a client is configured with."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimServer:
        """Listen (again) on the same port."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
