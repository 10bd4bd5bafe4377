"""`locust-gate run --against-ref` end to end: a tiny git repository in a temp dir whose
backend's latency is a constant in its code; real git worktrees, real backends (both
sides at once), real Locust rounds. Each fault path asserts that no process and no
worktree is left."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.support.gaterun import GateRun, alive

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

# The backend of the tiny repository: each endpoint sleeps for its constant; CRASH and
# NEVER_HEALTHY make the start or the health check fail, DIE_AFTER kills it mid-load.
APP = '''\
import sys, time, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEMS_MS = {items}
SEARCH_MS = {search}
CRASH = {crash}
NEVER_HEALTHY = {never}
DIE_AFTER = {die}

class Handler(BaseHTTPRequestHandler):
    served = 0  # requests answered, but /health and /stats: what /stats reports

    def do_GET(self):
        body = b"ok\\n"
        if self.path == "/health":
            status = 503 if NEVER_HEALTHY else 200
        elif self.path == "/stats":
            status, body = 200, ('{{"served": %d}}' % Handler.served).encode()
        else:
            time.sleep((SEARCH_MS if self.path.startswith("/search") else ITEMS_MS) / 1000)
            Handler.served += 1
            status = 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

if CRASH:
    sys.exit("cannot open the database")
if DIE_AFTER:
    import threading
    threading.Timer(DIE_AFTER, lambda: os._exit(3)).start()
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''

LOCUSTFILE = '''\
from locust import HttpUser, constant, task

class Visitor(HttpUser):
    wait_time = constant(0.01)

    @task
    def items(self):
        self.client.get("/items")

    @task
    def search(self):
        self.client.get("/search")
'''

THRESHOLDS = '''\
version: 1
defaults:
  fail-ratio: 1%
baseline:
  min-requests: 10             # per round
  p50: {max-increase: 25%}
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, timeout=30).stdout


def commit_app(repo: Path, message: str, **constants: object) -> None:
    values = {"items": 20, "search": 20, "crash": False, "never": False, "die": 0}
    values.update(constants)
    (repo / "app.py").write_text(APP.format(**values))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm",
        message)


def make_repo(tmp_path: Path, **config: object) -> Path:
    """The repository with one commit of the app (both endpoints 20 ms), its locustfile,
    thresholds and a locust-gate.yml that gives each side its own port; `config`
    overrides keys."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "locustfile.py").write_text(LOCUSTFILE)
    (repo / "thresholds.yml").write_text(THRESHOLDS)
    (repo / ".gitignore").write_text("out/\n")
    data: dict[str, object] = {
        "locustfile": "locustfile.py",
        "thresholds": "thresholds.yml",
        "host": "http://127.0.0.1:{port}",
        "start": "{python} app.py {port}",
        "health": "http://127.0.0.1:{port}/health",
        "health-timeout": "10s",
        "users": 8,
        "spawn-rate": 100,
        "rounds": 5,
        "round-time": "2s",
        "output-dir": "out",
    }
    data.update(config)
    (repo / "locust-gate.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    commit_app(repo, "the app")
    return repo


def base_path(run: GateRun) -> Path:
    found = re.search(r"the base: \S+ at [0-9a-f]+ in (\S+)", run.stderr)
    assert found, run.stderr
    return Path(found.group(1))


def assert_clean(run: GateRun, repo: Path) -> None:
    """No process of the run and no worktree is left."""
    run.assert_nothing_left()
    listed = git(repo, "worktree", "list", "--porcelain")
    assert listed.count("worktree ") == 1, listed
    assert not base_path(run).exists()


def finished(repo: Path, *args: str, timeout: float = 90) -> tuple[GateRun, int]:
    run = GateRun(repo / "locust-gate.yml", *args)
    code = run.finish(timeout)
    assert_clean(run, repo)
    return run, code


def paired_checks(verdict: dict[str, object]) -> dict[tuple[str, str], str]:
    checks = verdict["checks"]
    assert isinstance(checks, list)
    return {(c["endpoint"], c["metric"]): c["outcome"] for c in checks
            if c.get("comparison") is not None}


def test_a_slower_endpoint_in_head_regresses_against_head_1_and_only_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    commit_app(repo, "slower search", search=60)  # +40 ms on one endpoint
    run, code = finished(repo, "--against-ref", "HEAD~1")
    assert code == 1, run.stderr + run.stdout
    verdict = run.verdict()
    outcomes = paired_checks(verdict)
    assert outcomes[("GET /search", "p50")] == "regressed", outcomes
    assert outcomes[("GET /items", "p50")] != "regressed", outcomes
    paired = verdict["paired"]
    assert isinstance(paired, dict)
    assert paired["ref"] == "HEAD~1" and len(paired["rounds"]) == 5
    search = next(e for e in paired["estimates"] if e["endpoint"] == "GET /search")
    assert search["change"] > 1.0 and search["interval"][0] > 0.25  # ~+200 %
    assert search["base"] == pytest.approx(20, abs=8) and search["head"] > 45
    report = (repo / "out" / "report.md").read_text()
    table = report.split("### Compared with HEAD\\~1", 1)[1]  # Markdown escapes the ~
    assert "| GET /search | p50 | " in table and "| regressed |" in table
    assert "Same-runner rounds (run --against-ref HEAD\\~1)" in (
        repo / "out" / "comment.md").read_text()
    # both sides ran at once, each from its own tree on its own port
    starts = [line for line in run.cmdlines if "app.py" in line]
    assert len({line.split()[-1] for line in starts}) == 2, starts


def test_an_a_a_comparison_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    run, code = finished(repo, "--against-ref", "HEAD")
    assert code == 0, run.stderr + run.stdout
    outcomes = paired_checks(run.verdict())  # judged, not too few to judge
    assert outcomes == {("GET /items", "p50"): "pass", ("GET /search", "p50"): "pass"}, run.stdout


def test_the_heads_metrics_are_read_in_its_counted_rounds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "thresholds.yml").write_text(THRESHOLDS + """\
metrics:
  - name: served after
    url: http://127.0.0.1:{port}/stats
    json: served
    min: 1
  - name: served during
    url: http://127.0.0.1:{port}/stats
    json: served
    max: 100000000
    during: true
""")
    commit_app(repo, "the metrics")
    run, code = finished(repo, "--against-ref", "HEAD")
    assert code == 0, run.stderr + run.stdout
    checks = {c["endpoint"]: c for c in run.verdict()["checks"] if c["scope"] == "external"}
    assert {k: c["outcome"] for k, c in checks.items()} == {
        "served after": "pass", "served during": "pass"}, checks
    (after, during) = json.loads((repo / "out" / "metrics.json").read_text())["metrics"]
    head_rounds = [json.loads((repo / "out" / "head" / f"round-{n}.json").read_text())
                   for n in range(1, 6)]
    counted = sum(r["total"]["num_requests"] for r in head_rounds)
    warm_up = json.loads((repo / "out" / "head" / "warm-up.json").read_text())
    # The head's own backend, read after its last round: every request it answered (and
    # those its 8 users had in flight when each of its 6 rounds stopped, unrecorded).
    assert 0 <= after["peak"] - counted - warm_up["total"]["num_requests"] <= 8 * 6, after
    # Read each second while the five counted rounds' Locust ran (2 s of load, and its
    # start and stop, longer on a busy machine), not during the warm-up.
    assert 5 <= during["samples"] <= 40 and during["lowest"] >= warm_up["total"]["num_requests"]


@pytest.mark.parametrize(
    ("side", "app", "stage"),
    [("base", {"crash": True}, "start"), ("head", {"never": True}, "health")],
)
def test_a_side_that_cannot_start_is_named_and_nothing_is_left(
    tmp_path: Path, side: str, app: dict[str, object], stage: str,
) -> None:
    repo = make_repo(tmp_path, **{"health-timeout": "3s"})
    if side == "base":  # the base commit's backend crashes; the head's is fine
        commit_app(repo, "crashing", **app)
        commit_app(repo, "fixed")
        ref = "HEAD~1"
    else:  # the working tree's backend never gets healthy
        (repo / "app.py").write_text((repo / "app.py").read_text().replace(
            "NEVER_HEALTHY = False", "NEVER_HEALTHY = True"))
        ref = "HEAD"
    run, code = finished(repo, "--against-ref", ref, timeout=60)
    assert code == 2, run.stderr
    error = run.verdict()["error"]
    assert isinstance(error, dict)
    assert error["stage"] == stage
    assert f"the {side} (" in error["message"], error
    assert "Traceback" not in run.stderr


def test_the_base_backend_dying_mid_rounds_is_a_harness_failure(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, rounds=20)
    commit_app(repo, "dies", die=3)  # HEAD~1 is fine; this commit is the base
    commit_app(repo, "fixed")
    run, code = finished(repo, "--against-ref", "HEAD~1", timeout=60)
    assert code == 2, run.stderr
    error = run.verdict()["error"]
    assert isinstance(error, dict)
    assert error["stage"] == "backend" and "the base (" in error["message"], error


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGKILL, -9)])
def test_a_signal_mid_rounds_leaves_no_process_and_no_worktree(
    tmp_path: Path, sig: signal.Signals, code: int,
) -> None:
    repo = make_repo(tmp_path, rounds=20)
    run = GateRun(repo / "locust-gate.yml", "--against-ref", "HEAD")
    run.wait_for("head: round-1", timeout=40)
    worktree = base_path(run)
    assert (worktree / "app.py").is_file()
    run.proc.send_signal(sig)
    assert run.finish(timeout=20) == code, run.stderr
    if sig is signal.SIGKILL:  # the guardian sweeps, removes the worktree, then exits
        deadline = time.monotonic() + 20
        while alive(list(run.tree.values())) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert_clean(run, repo)
    if sig is signal.SIGTERM:
        assert json.loads((repo / "out" / "verdict.json").read_text())["verdict"] == "error"
