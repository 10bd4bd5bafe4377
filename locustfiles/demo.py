"""A realistic Locust scenario against the embedded demo API (demo/app.py).

Each simulated user logs in once, then browses (list, detail, search) and now
and then creates an item. Request names are stable so that ids and query
strings group into one endpoint each:

    POST /api/login        GET /api/items          GET /api/items/[id]
    GET  /api/search       POST /api/items

Environment:
    DEMO_ITEMS  number of seeded items (default 3000, as in ``python -m demo.seed``)
    DEMO_USERS  number of seeded users (default 50)

Run by hand:
    locust -f locustfiles/demo.py --headless -u 5 -r 5 -t 10s --host http://127.0.0.1:8089
"""

import os
import random

from locust import HttpUser, between, tag, task

SEEDED_ITEMS = int(os.environ.get("DEMO_ITEMS", "3000"))
SEEDED_USERS = int(os.environ.get("DEMO_USERS", "50"))
PER_PAGE = 20
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
        item_id = random.randint(1, max(SEEDED_ITEMS, 1))
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
