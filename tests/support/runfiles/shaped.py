"""A locustfile with a LoadTestShape (tests only): 1 user for 1 s, then 3 users until 3 s.
`run` must pass no -u/-r/-t and take its deadline from the stages."""

from typing import ClassVar

from locust import HttpUser, LoadTestShape, constant, task


class QuickUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def index(self) -> None:
        self.client.get("/")


class Steps(LoadTestShape):
    stages: ClassVar[list[dict[str, int]]] = [
        {"duration": 1, "users": 1, "spawn_rate": 5},
        {"duration": 3, "users": 3, "spawn_rate": 5},
    ]

    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        for stage in self.stages:
            if run_time < stage["duration"]:
                return stage["users"], stage["spawn_rate"]
        return None
