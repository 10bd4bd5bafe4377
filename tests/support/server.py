"""A small, real HTTP server for tests: configurable latency, status and body size per path.

Usage::

    from tests.support.server import Route, serve

    with serve({"/fast": Route(ms=5), "/slow": Route(ms=120, jitter_ms=60),
                "/boom": Route(status=500)}) as server:
        requests.get(server.url + "/fast")

or the pytest fixture `http_server` from `tests/conftest.py` (session scoped).

Any path also takes query parameters that override its route for that request:
`/anything?ms=120&jitter=40&status=503&size=2048`. A route whose path ends in `/*` serves
every path under it (`/api/leads/*`: `/api/leads/17`, per-id URLs). Unknown paths answer
200 with no delay.
Jitter is deterministic: the n-th request to a route sleeps
`ms + jitter_ms * ((n * 37) % 101) / 100`, so histograms spread over several buckets
without randomness. The server binds 127.0.0.1 on a free port and runs in a daemon thread.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ["Route", "TestServer", "serve"]


@dataclass(frozen=True)
class Route:
    """How one path answers: delay `ms` (+ up to `jitter_ms`), `status`, body of `size` bytes."""

    ms: float = 0.0
    jitter_ms: float = 0.0
    status: int = 200
    size: int = 2


@dataclass
class _State:
    routes: dict[str, Route] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _route_for(routes: Mapping[str, Route], path: str) -> Route:
    """The exact route, else the longest `prefix/*` route above `path`, else the default."""
    if path in routes:
        return routes[path]
    under = [key for key in routes if key.endswith("/*") and path.startswith(key[:-1])]
    return routes[max(under, key=len)] if under else Route()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms to every keep-alive answer
    server: _Server

    def _answer(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with state.lock:
            route = _route_for(state.routes, parts.path)
            n = state.counters.get(parts.path, 0)
            state.counters[parts.path] = n + 1
            state.hits[parts.path] = state.hits.get(parts.path, 0) + 1
        ms = float(query.get("ms", route.ms))
        jitter = float(query.get("jitter", route.jitter_ms))
        status = int(query.get("status", route.status))
        size = int(query.get("size", route.size))
        delay = ms + jitter * ((n * 37) % 101) / 100
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if delay > 0:
            time.sleep(delay / 1000)
        body = b"x" * size
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log line."""



class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients (Locust) hang up mid-request at the end of a run: not worth a traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class TestServer:
    """A running server. `url` is `http://127.0.0.1:PORT`; `hits` counts requests per path."""

    __test__ = False  # not a pytest test class

    def __init__(self, routes: Mapping[str, Route] | None = None) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = _State(routes=dict(routes or {}))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    def route(self, path: str, route: Route) -> None:
        """Add or replace the route for `path` while running."""
        with self._httpd.state.lock:
            self._httpd.state.routes[path] = route

    @property
    def hits(self) -> dict[str, int]:
        with self._httpd.state.lock:
            return dict(self._httpd.state.hits)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve(routes: Mapping[str, Route] | None = None) -> Iterator[TestServer]:
    """Run a `TestServer` for the duration of the `with` block."""
    server = TestServer(routes)
    try:
        yield server
    finally:
        server.close()
