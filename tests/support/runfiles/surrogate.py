"""A locustfile with an endpoint name Locust's own CSV writer cannot encode (a lone
surrogate): its writer greenlet dies and Locust exits 2, although the load ran whole."""

from locust import HttpUser, constant, task


class SurrogateUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def named(self) -> None:
        self.client.get("/", name="s\udcffx")
        self.client.get("/")
