"""Patterns from real locustfiles (tests only): Locust's grouped-URL names (`[id]`), a
user class whose task raises, and a `test_stop` listener that reads a stats entry with
`environment.stats.get(name, None)`, which creates a 0-request entry with method None."""

from typing import Any

from locust import HttpUser, constant, events, task


class TicketUser(HttpUser):
    wait_time = constant(0.02)

    @task
    def ticket(self) -> None:
        self.client.get("/fast?ticket=7", name="/support/ticket/[id]")


class BrokenUser(HttpUser):
    wait_time = constant(0.1)

    @task
    def checkout(self) -> None:
        self.client.get("/fast?checkout=1", name="/checkout")
        self.cart.items.append(1)  # type: ignore[attr-defined]  # no `cart`: AttributeError


@events.test_stop.add_listener
def summarise(environment: Any, **_kwargs: Any) -> None:
    entry = environment.stats.get("/checkout", None)  # as real locustfiles do
    print(f"checkout requests: {entry.num_requests}")
