"""Two endpoints; the test flips `/flaky` to failing (or slow) on its server mid-run (tests
only: the abort rules' live watch)."""

from locust import HttpUser, constant, task


class SwitchingUser(HttpUser):
    wait_time = constant(0.02)

    @task
    def steady(self) -> None:
        self.client.get("/steady")

    @task
    def flaky(self) -> None:
        self.client.get("/flaky")
