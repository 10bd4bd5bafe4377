"""Loads the plugin by import (the other form is `-f locustfile.py,<plugin path>`)."""

from locust import HttpUser, constant, task

import gate.plugin  # noqa: F401


class ImportingUser(HttpUser):
    wait_time = constant(0.01)

    @task
    def fast(self) -> None:
        self.client.get("/fast")
