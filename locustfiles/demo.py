"""A realistic Locust scenario against the embedded demo API (demo/app.py).

Each simulated shopper logs in once, then browses (list, detail, search) and now
and then creates an item; most item views are of the popular items the API keeps
in its cache. One more user (`DemoSocketUser`) holds WebSocket sessions: it
connects to ``/ws/echo``, exchanges a few messages and closes, and reports each
step as a Locust request of its own type, ``WS``, so the gate judges them like
HTTP endpoints. Request names are stable so that ids and query strings group
into one endpoint each:

    POST /api/login        GET /api/items          GET /api/items/[id]
    GET  /api/search       POST /api/items         WS connect       WS echo

Environment:
    DEMO_ITEMS  number of seeded items (default 3000, as in ``python -m demo.seed``)
    DEMO_USERS  number of seeded users (default 50)

Run by hand:
    locust -f locustfiles/demo.py --headless -u 5 -r 5 -t 10s --host http://127.0.0.1:8089
"""

import os
import random
import time

import websocket
from locust import HttpUser, User, between, tag, task

SEEDED_ITEMS = int(os.environ.get("DEMO_ITEMS", "3000"))
SEEDED_USERS = int(os.environ.get("DEMO_USERS", "50"))
PER_PAGE = 20
POPULAR_ITEMS = 200  # the catalogue's best sellers: 19 in 20 item views
ECHOES_PER_SESSION = 3
PASSWORD = "password"  # noqa: S105 - the seeded demo credential

SEARCH_TERMS = (
    "steel", "oak", "bamboo", "leather", "walnut", "copper", "chair", "desk", "kettle",
    "headphones", "backpack", "lantern", "notebook", "wireless", "ergonomic", "vintage",
    "waterproof", "warranty", "recycled", "gift", "kitchen", "hikes", "studio",
    "walnut desk", "steel kettle",
)  # fmt: skip

CATEGORIES = ("furniture", "kitchen", "electronics", "outdoor", "office")


class DemoShopper(HttpUser):
    """A signed-in user browsing the catalogue and occasionally listing an item."""

    wait_time = between(0.1, 0.5)

    token: str | None = None

    def on_start(self) -> None:
        username = f"user{random.randrange(max(SEEDED_USERS, 1))}"
        response = self.client.post(
            "/api/login", json={"username": username, "password": PASSWORD}, name="/api/login"
        )
        self.token = None
        if response.ok:
            try:
                self.token = response.json()["token"]
            except (ValueError, KeyError, TypeError):
                self.token = None

    @tag("read")
    @task(4)
    def list_items(self) -> None:
        pages = max(1, SEEDED_ITEMS // PER_PAGE)
        self.client.get(
            "/api/items",
            params={"page": random.randint(1, pages), "per_page": PER_PAGE},
            name="/api/items",
        )

    @tag("read")
    @task(3)
    def item_detail(self) -> None:
        last = POPULAR_ITEMS if random.random() < 0.95 else SEEDED_ITEMS
        item_id = random.randint(1, max(min(last, SEEDED_ITEMS), 1))
        self.client.get(f"/api/items/{item_id}", name="/api/items/[id]")

    @tag("read")
    @task(2)
    def search(self) -> None:
        self.client.get(
            "/api/search", params={"q": random.choice(SEARCH_TERMS)}, name="/api/search"
        )

    @tag("write")
    @task(1)
    def create_item(self) -> None:
        category = random.choice(CATEGORIES)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.client.post(
            "/api/items",
            json={
                "name": f"Load-test {category} item {random.randrange(1_000_000)}",
                "description": "Created by the locust-gate demo scenario.",
                "category": category,
                "price_cents": random.randrange(100, 50_000),
                "stock": random.randrange(0, 100),
            },
            headers=headers,
            name="/api/items",
        )


class DemoSocketUser(User):
    """One user (whatever the user count) in WebSocket sessions: connect, a few echoes,
    close. Each step fires a request event of type WS (`WS connect`, `WS echo`)."""

    fixed_count = 1
    wait_time = between(0.1, 0.5)

    @task
    def session(self) -> None:
        url = "ws" + (self.host or "").removeprefix("http") + "/ws/echo"
        started = time.perf_counter()
        try:
            socket = websocket.create_connection(url, timeout=5)
        except (OSError, websocket.WebSocketException) as exc:
            self._report("connect", started, exc)
            return
        self._report("connect", started, None)
        try:
            for _ in range(ECHOES_PER_SESSION):
                if not self._echo(socket):
                    break  # the connection broke: the next session reconnects
        finally:
            socket.close()

    def _echo(self, socket: websocket.WebSocket) -> bool:
        """One message there and back; False when the connection broke."""
        message = f"ping {random.randrange(1_000_000)}"
        started = time.perf_counter()
        try:
            socket.send(message)
            reply = socket.recv()
        except (OSError, websocket.WebSocketException) as exc:
            self._report("echo", started, exc, len(message))
            return False
        wrong = None if reply == message else ValueError(f"echo answered {str(reply)[:40]!r}")
        self._report("echo", started, wrong, len(message))
        return True

    def _report(self, name: str, started: float, exc: Exception | None, size: int = 0) -> None:
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=size, exception=exc, context={},
        )
