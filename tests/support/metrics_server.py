"""A real HTTP server for the `metrics:` tests: JSON and Prometheus bodies, a gauge that
follows a known pattern, redirects, and bodies that are too large.

    with serve_metrics({"/stats": Answer(body='{"cache": {"hit_rate": 0.83}}')}) as server:
        server.url + "/stats"

An `Answer` is a fixed body (status, content type, headers); a `Sequence` answers the n-th
request with its n-th body (then the last one again), so a gauge read once a second has a
known peak and lowest. Binds 127.0.0.1 on a free port, serves from a daemon thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Answer", "MetricsServer", "Sequence", "prometheus_gauge", "serve_metrics"]


@dataclass(frozen=True)
class Answer:
    body: str = ""
    status: int = 200
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Sequence:
    """The n-th request gets `bodies[n]` (the last one once they run out)."""

    bodies: tuple[str, ...]
    content_type: str = "text/plain; version=0.0.4"
    served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> Answer:
        with self.lock:
            body = self.bodies[min(self.served, len(self.bodies) - 1)]
            self.served += 1
        return Answer(body=body, content_type=self.content_type)


def prometheus_gauge(name: str, value: float, labels: str = "") -> str:
    """A minimal exposition with one gauge sample, as prometheus_client writes it."""
    return (f"# HELP {name} A gauge for the tests.\n# TYPE {name} gauge\n"
            f"{name}{labels} {value}\n")


@dataclass
class MetricsServer:
    url: str
    hits: dict[str, int]


def _handler(routes: Mapping[str, Answer | Sequence], hits: dict[str, int]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            hits[path] = hits.get(path, 0) + 1
            route = routes.get(path, Answer(status=404, body="not found"))
            answer = route.next() if isinstance(route, Sequence) else route
            data = answer.body.encode("utf-8", errors="surrogateescape")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in answer.headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_metrics(routes: Mapping[str, Answer | Sequence]) -> Iterator[MetricsServer]:
    hits: dict[str, int] = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes, hits))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield MetricsServer(url=f"http://127.0.0.1:{server.server_address[1]}", hits=hits)
    finally:
        server.shutdown()
        server.server_close()
