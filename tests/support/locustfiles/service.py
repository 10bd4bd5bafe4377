"""Four endpoints of one service, hit equally often (tests of the shared shift only).

SERVICE_SEARCH_MS makes /search answer in that many ms (the test server's `?ms=` override),
so a "slower" run needs neither another locustfile nor another server (both are part of
the run's fingerprint).
"""

import os

from locust import HttpUser, constant, task

SEARCH_MS = os.environ.get("SERVICE_SEARCH_MS", "")


class ServiceUser(HttpUser):
    wait_time = constant(0)

    @task
    def search(self) -> None:
        query = f"?ms={SEARCH_MS}&jitter=2" if SEARCH_MS else ""
        self.client.get(f"/search{query}", name="/search")

    @task
    def items(self) -> None:
        self.client.get("/items")

    @task
    def detail(self) -> None:
        self.client.get("/detail")

    @task
    def create(self) -> None:
        self.client.post("/create")
