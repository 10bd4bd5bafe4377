"""A locustfile whose endpoint names and failure messages try to inject GitHub workflow
commands, Markdown and terminal control sequences, for the hostile-output tests."""

import logging

from locust import HttpUser, constant, task

# Each would be a workflow command (or hide text) if it reached a CI log line raw.
NAMES = (
    "x\n::error file=a.py,line=1::injected-by-name",
    "   ::warning::indented-injection",
    "mid ##[error]old-syntax-injection",
    "::stop-commands::pwned",
    "\r::add-mask::secret",
    "lone \ud800 surrogate",
    "rtl \u202eevil\u202c www.example.org ",
)
MESSAGES = (
    "boom\n::error::injected-by-message",
    "##[add-mask]hidden and \x1b[2Jcleared",
)


class HostileUser(HttpUser):
    wait_time = constant(0.05)

    def on_start(self) -> None:
        # Locust's output must carry the messages too: `run` passes --json-file, so Locust
        # no longer prints its error report (which held them) at the end.
        for message in MESSAGES:
            logging.getLogger("hostile").warning("a failure to come: %s", message)

    @task
    def hostile(self) -> None:
        for index, name in enumerate(NAMES):
            with self.client.get("/", name=name, catch_response=True) as response:
                if index < len(MESSAGES):
                    response.failure(MESSAGES[index])
                else:
                    response.success()
