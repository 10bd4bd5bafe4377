"""Tagged tasks (tests only): `--tags a,b` filters every task out, so zero requests."""

from locust import HttpUser, constant, tag, task


class TaggedUser(HttpUser):
    wait_time = constant(0.05)

    @tag("a")
    @task
    def fast(self) -> None:
        self.client.get("/fast")
