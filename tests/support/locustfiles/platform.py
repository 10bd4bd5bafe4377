"""A platform's load test with REST and WebSocket-style traffic, as its guide states targets
per area: authentication, CRM (per-id URLs without `name=`), calendar, search, and the
WebSocket connection setup.

The WebSocket user's handshake is a real exchange over its own TCP connection (an HTTP
Upgrade request to tests/support/server.py, which answers like any path), timed by hand
and reported as a Locust request event of type `WS`, the way WebSocket users report. One
message name carries hostile text (as names from a server under test may): the gate must
show it inert in every report.
"""

import random
import socket
import time
from urllib.parse import urlsplit

from locust import HttpUser, User, constant, task

HOSTILE = "chat |@octocat ::error::x ##[group]<b>`y`"


class PlatformUser(HttpUser):
    wait_time = constant(0.01)

    def on_start(self) -> None:
        self.client.post("/api/auth/login", json={"user": "u", "password": "p"})

    @task(4)
    def me(self) -> None:
        self.client.get("/api/me")

    @task(3)
    def refresh(self) -> None:
        self.client.post("/api/auth/refresh")

    @task(5)
    def lead(self) -> None:
        self.client.get(f"/api/crm/leads/{random.randint(1, 500)}")

    @task(2)
    def calendar(self) -> None:
        self.client.get("/api/calendar/events")

    @task(2)
    def search(self) -> None:
        self.client.get("/api/search", params={"q": random.choice(["acme", "globex"])})


class SocketUser(User):
    wait_time = constant(0.02)

    @task(3)
    def connect(self) -> None:
        self._exchange("/ws/connect", "/ws/connect")

    @task(1)
    def message(self) -> None:
        self._exchange("/ws/chat", HOSTILE)

    def _exchange(self, path: str, name: str) -> None:
        url = urlsplit(self.host)
        started = time.perf_counter()
        error: Exception | None = None
        size = 0
        try:
            with socket.create_connection((url.hostname, url.port or 80), timeout=5) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket"
                             "\r\nConnection: Upgrade\r\n\r\n".encode())
                answer = b""
                while b"\r\n\r\n" not in answer:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                size = len(answer)
                if not answer.startswith(b"HTTP/1.1 2"):
                    error = ConnectionError(answer[:40].decode(errors="replace"))
        except OSError as exc:
            error = exc
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=size, exception=error, context={},
        )
