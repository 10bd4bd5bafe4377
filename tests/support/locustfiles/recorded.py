"""Two endpoints, and a record of every request as Locust reported it (tests only).

The record is the test's independent account of the run: for each request, when its
`request` event fired (epoch seconds), its method, name, response time and whether it
failed, written as JSON to $RECORD_PATH when the test stops. This listener is registered
when the locustfile is imported, so it runs before Locust's own stats listener in the same
event, with no greenlet switch in between: a request recorded before a moment is in the
stats before it.
"""

import json
import os
import time
from typing import Any

from locust import HttpUser, constant, events, task

_RECORD: list[tuple[float, str, str, float, bool]] = []


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any = None,
            **_kwargs: Any) -> None:
    _RECORD.append((time.time(), request_type, name, response_time, exception is not None))


@events.test_stop.add_listener
def _write(**_kwargs: Any) -> None:
    with open(os.environ["RECORD_PATH"], "w", encoding="utf-8") as out:
        json.dump(_RECORD, out)


class RecordedUser(HttpUser):
    wait_time = constant(0.01)

    @task(3)
    def work(self) -> None:
        self.client.get("/work")

    @task(1)
    def other(self) -> None:
        self.client.get("/other")
