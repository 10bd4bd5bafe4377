"""A tiny locustfile for the `run` tests: one user type hitting the fake backend's `/`."""

from locust import HttpUser, constant, task


class QuickUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def index(self) -> None:
        self.client.get("/")
