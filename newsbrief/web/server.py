"""Run the app on uvicorn in a background thread, on a free loopback port.

For tests, benchmarks and embedding: ``with running_server(app) as base_url: ...``. The
socket is bound before the server starts (port 0: the OS picks a free port), so there is no
race between choosing a port and binding it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from newsbrief.errors import NewsbriefError

__all__ = ["running_server"]


@contextmanager
def running_server(app: Any, host: str = "127.0.0.1", *, startup_timeout: float = 20.0,
                   log_level: str = "warning") -> Iterator[str]:
    """Serve ``app`` on ``host`` and a free port; yields ``http://host:port``."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, server_header=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise NewsbriefError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
