"""Several endpoints with different latencies, failures and awkward names (tests only)."""

from locust import HttpUser, constant, task


class MixedUser(HttpUser):
    wait_time = constant(0)

    @task(4)
    def fast(self) -> None:
        self.client.get("/fast")

    @task(2)
    def slow(self) -> None:
        self.client.get("/slow")

    @task(1)
    def boom(self) -> None:
        self.client.get("/boom")

    @task(1)
    def na(self) -> None:
        self.client.get("/fast?na=1", name="NA")

    @task(1)
    def null(self) -> None:
        self.client.post("/fast?null=1", name="null")

    @task(1)
    def odd(self) -> None:
        self.client.get("/odd?x=1", name="/odd|pipe `tick`")
