"""Shared fixtures: a real local HTTP server and one real Locust run reused by many tests."""

from __future__ import annotations

import os

# Importing locust (tests compare against locust.stats) would gevent-monkey-patch the whole
# pytest process, turning the test server's threads into greenlets. Locust subprocesses
# started by tests.support.locustrun drop LOCUST_* variables and are patched as usual.
os.environ.setdefault("LOCUST_SKIP_MONKEY_PATCH", "1")

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.locustrun import LOCUSTFILES, LocustRun, run_locust
from tests.support.server import Route, TestServer, serve

# When this suite itself runs in GitHub Actions, the gates it starts must not write into
# the real job's summary and outputs or see its event and token: tests set their own.
for _name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_EVENT_NAME",
              "GITHUB_EVENT_PATH", "GITHUB_TOKEN", "GITHUB_WORKSPACE"):
    os.environ.pop(_name, None)

# Latencies chosen so the histograms span several buckets, below and above 100 ms.
ROUTES = {
    "/fast": Route(ms=1, jitter_ms=8),
    "/slow": Route(ms=95, jitter_ms=160),
    "/boom": Route(ms=3, status=500),
    "/odd": Route(ms=15, jitter_ms=40, size=1500),
}


@pytest.fixture(scope="session")
def http_server() -> Iterator[TestServer]:
    """A `TestServer` on 127.0.0.1 with the routes in `ROUTES` (session scoped)."""
    with serve(ROUTES) as server:
        yield server


@pytest.fixture(scope="session")
def mixed_run(http_server: TestServer, tmp_path_factory: pytest.TempPathFactory) -> LocustRun:
    """One 3 s, 4-user Locust run of locustfiles/mixed.py with the plugin, --csv, --html
    and --json-file; shared by every test that only reads its outputs."""
    out: Path = tmp_path_factory.mktemp("mixed-run")
    return run_locust(LOCUSTFILES / "mixed.py", http_server.url, out, users=4, run_time=3).check()
