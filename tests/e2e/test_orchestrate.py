"""`locust-gate run` end to end with real processes: the fake backend in
tests/support/backend.py, real Locust, the real plugin. Every failure path is checked for
its exit code, its message, and that no process it started is left running."""

from __future__ import annotations

import contextlib
import io
import shlex
import signal
import socket
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from gate.errors import HarnessError
from gate.harness import health
from gate.harness import orchestrate as orchestrate_module
from gate.harness.config import load_config
from gate.harness.invocation import locust_command
from gate.harness.orchestrate import orchestrate
from tests.support import backend
from tests.support.gaterun import GateRun

REPO = Path(__file__).resolve().parents[2]
RUNFILES = REPO / "tests" / "support" / "runfiles"
LENIENT = RUNFILES / "thresholds.yml"
STRICT = RUNFILES / "strict.yml"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


# --------------------------------------------------------------------------- helpers


def write_config(
    tmp_path: Path,
    *,
    port: int,
    backend_flags: tuple[str, ...] = (),
    thresholds: Path = LENIENT,
    **keys: object,
) -> Path:
    """A locust-gate.yml for the fake backend on `port`; `keys` (snake_case) override."""
    start = [
        "{python}",
        str(backend.PATH),
        "--port",
        str(port),
        "--pidfile",
        str(tmp_path / "backend.pids"),
        *backend_flags,
    ]
    data: dict[str, object] = {
        "locustfile": str(RUNFILES / "quick.py"),
        "host": f"http://127.0.0.1:{port}",
        "users": 2,
        "spawn-rate": 2,
        "run-time": "2s",
        "start": " ".join(a if a == "{python}" else shlex.quote(a) for a in start),
        "health": f"http://127.0.0.1:{port}/health",
        "health-timeout": "5s",
        "thresholds": str(thresholds),
        "output-dir": "out",
    }
    data.update({key.replace("_", "-"): value for key, value in keys.items()})
    data = {key: value for key, value in data.items() if value is not None}
    path = tmp_path / "locust-gate.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run_gate(config: Path, *args: str, timeout: float = 45.0) -> tuple[GateRun, int]:
    gate_run = GateRun(config, *args)
    code = gate_run.finish(timeout)
    gate_run.assert_nothing_left()
    return gate_run, code


def error_stage(gate_run: GateRun) -> object:
    data = gate_run.verdict()
    assert data["verdict"] == "error"
    error = data["error"]
    assert isinstance(error, dict)
    return error["stage"]


# ----------------------------------------------------------------------- full runs


def test_a_passing_run_exits_0_and_stops_the_backend(tmp_path: Path) -> None:
    marker = tmp_path / "seeded"
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--spawn-child",),
        seed=f"echo seeded > {shlex.quote(str(marker))}",
    )
    gate_run, code = run_gate(config)
    assert code == 0, gate_run.stderr + gate_run.stdout
    assert marker.read_text() == "seeded\n"
    out = tmp_path / "out"
    for name in ("results.json", "locust.json", "locust.log", "backend.log", "verdict.json"):
        assert (out / name).is_file(), name
    assert gate_run.verdict()["verdict"] == "pass"
    assert len(gate_run.backend_pids()) == 2  # the backend and its grandchild, both gone
    assert any("locust" in line for line in gate_run.cmdlines)
    assert "All users spawned" in gate_run.stderr  # Locust's progress streams to stderr
    assert "PASS" in gate_run.stdout


def test_a_gate_failure_exits_1_not_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port(), thresholds=STRICT)
    gate_run, code = run_gate(config)
    assert code == 1, gate_run.stderr + gate_run.stdout
    assert gate_run.verdict()["verdict"] == "fail"


# -------------------------------------------------------------------- harness failures


def test_seed_failure_exits_2_with_its_output(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        seed="echo 'seed: cannot open the database' >&2; exit 7",
    )
    gate_run, code = run_gate(config)
    assert code == 2
    assert "error: the seed command failed with code 7" in gate_run.stderr
    assert "cannot open the database" in gate_run.stderr  # the tail of its output
    assert not (tmp_path / "backend.pids").exists()  # the backend never started
    assert error_stage(gate_run) == "seed"


def test_a_backend_that_never_gets_healthy_exits_2_after_the_timeout(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--never-healthy", "--spawn-child"),
        health_timeout="2s",
    )
    began = time.monotonic()
    gate_run, code = run_gate(config)
    assert code == 2
    assert 2.0 <= time.monotonic() - began < 15
    assert "was not healthy after 2s" in gate_run.stderr
    assert "last probe: HTTP 503" in gate_run.stderr
    assert "answering 503 (never healthy)" in gate_run.stderr  # backend.log tail
    assert len(gate_run.backend_pids()) == 2
    assert error_stage(gate_run) == "health"


def test_a_backend_that_exits_at_startup_is_reported_at_once(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--never-healthy", "--die-after", "0.3"),
        health_timeout="20s",
    )
    began = time.monotonic()
    gate_run, code = run_gate(config)
    assert code == 2
    assert time.monotonic() - began < 10  # did not wait for the 20 s health timeout
    assert "the backend exited with code 3 before it became healthy" in gate_run.stderr
    assert "dying now with code 3" in gate_run.stderr
    assert error_stage(gate_run) == "start"


def _daemon_pid(tmp_path: Path) -> int:
    """The daemon's pid, from the pidfile it wrote once listening."""
    return int((tmp_path / "backend.pids").read_text().split()[0])


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_start_command_that_daemonises_is_waited_for_and_stopped(tmp_path: Path) -> None:
    """`gunicorn --daemon` style: the start command double-forks a server and exits 0
    before it listens; the gate waits for health, runs, and stops the daemon by its mark."""
    config = write_config(tmp_path, port=backend.free_port(), backend_flags=("--daemonize",))
    gate_run, code = run_gate(config)
    assert code == 0, gate_run.stderr + gate_run.stdout
    assert gate_run.verdict()["verdict"] == "pass"
    assert "the start command exited with code 0 and left a daemon: pid " in gate_run.stderr
    assert "left in the background by the seed or start command" in gate_run.stderr
    assert _gone(_daemon_pid(tmp_path))


def test_a_daemon_that_never_gets_healthy_is_the_health_timeout(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port(), health_timeout="2s",
                          backend_flags=("--daemonize", "--never-healthy"))
    began = time.monotonic()
    gate_run, code = run_gate(config)
    assert code == 2, gate_run.stderr
    assert 2.0 <= time.monotonic() - began < 15  # waited for the timeout, not less
    assert "was not healthy after 2s" in gate_run.stderr
    assert "the start command exited with code 0, so it was waited for as a daemon" in (
        gate_run.stderr)
    assert error_stage(gate_run) == "health"
    assert _gone(_daemon_pid(tmp_path))


def test_a_daemon_dying_during_the_load_is_a_harness_failure(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port(), run_time="4s",
                          backend_flags=("--daemonize", "--die-after", "2"))
    gate_run, code = run_gate(config)
    assert code == 2, gate_run.stderr
    assert "the backend's daemon (1 process(es) left by the start command) ended during the " \
        "load test" in gate_run.stderr
    assert error_stage(gate_run) == "backend"


def test_a_daemon_without_the_mark_is_named_as_not_ours(tmp_path: Path) -> None:
    """What `docker compose up -d` does: the server runs under someone else's daemon,
    without the run's mark. The run goes on and says that it cannot stop it."""
    port = backend.free_port()
    config = write_config(tmp_path, port=port, backend_flags=("--daemonize",))
    start = yaml.safe_load(config.read_text())["start"]
    config = write_config(tmp_path, port=port, start=f"env -u LOCUST_GATE_RUN {start}")
    gate_run = GateRun(config)
    try:
        code = gate_run.finish(45)
        assert code == 0, gate_run.stderr
        assert "no process of this run serves it" in gate_run.stderr
        assert not _gone(_daemon_pid(tmp_path))  # as said: not stopped by the gate
    finally:
        with contextlib.suppress(psutil.Error, FileNotFoundError):
            psutil.Process(_daemon_pid(tmp_path)).kill()


def test_a_backend_dying_during_the_load_is_a_harness_failure(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--die-after", "1.5", "--spawn-child"),
        run_time="3s",
    )
    gate_run, code = run_gate(config)
    assert code == 2, gate_run.stderr
    assert "the backend exited with code 3 during the load test" in gate_run.stderr
    assert "not a regression" in gate_run.stderr
    assert "dying now with code 3" in gate_run.stderr
    assert "All users spawned" in gate_run.stderr  # it really died mid-run
    assert any("locust" in line for line in gate_run.cmdlines)
    assert len(gate_run.backend_pids()) == 2
    assert error_stage(gate_run) == "backend"


def test_a_locust_crash_is_a_harness_failure(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, port=backend.free_port(), locust_args=["--no-such-locust-option"]
    )
    gate_run, code = run_gate(config)
    assert code == 2
    assert "error: Locust exited with code" in gate_run.stderr
    assert "no-such-locust-option" in gate_run.stderr  # locust.log tail
    assert gate_run.backend_pids()  # the backend was running, and is gone
    assert error_stage(gate_run) == "locust"


def test_busy_port_exits_2_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "seeded"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        config = write_config(tmp_path, port=port, seed=f"touch {shlex.quote(str(marker))}")
        gate_run, code = run_gate(config)
    assert code == 2
    assert f"error: port {port} on 127.0.0.1 is already in use" in gate_run.stderr
    assert "fix: stop what listens there" in gate_run.stderr
    assert not marker.exists()  # the seed did not run
    assert not (tmp_path / "backend.pids").exists()  # nor the backend
    assert gate_run.tree == {}


def test_bad_thresholds_exit_2_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "seeded"
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\ndefaults:\n  p95: 5 parsecs\n")
    config = write_config(
        tmp_path, port=backend.free_port(), thresholds=bad, seed=f"touch {shlex.quote(str(marker))}"
    )
    gate_run, code = run_gate(config)
    assert code == 2
    assert f"{bad}:3 (at defaults.p95)" in gate_run.stderr
    assert "Traceback" not in gate_run.stderr
    assert not marker.exists()  # the seed did not run: no load test was wasted
    assert gate_run.tree == {}


# --------------------------------------------------------------------------- signals


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_run_stops_locust_and_the_backend(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--spawn-child",),
        run_time="30s",  # far longer than the test: only the signal ends it
    )
    gate_run = GateRun(config)
    gate_run.wait_for("All users spawned")
    time.sleep(0.3)
    assert len(gate_run.backend_pids()) == 2
    assert any("locust" in line for line in gate_run.cmdlines)
    sent = time.monotonic()
    gate_run.proc.send_signal(sig)
    exit_code = gate_run.finish(timeout=15)
    assert time.monotonic() - sent < 8
    assert exit_code == code, gate_run.stderr
    assert f"interrupted by {sig.name}" in gate_run.stderr
    gate_run.assert_nothing_left()
    assert error_stage(gate_run) == "interrupted"


def test_a_signal_while_waiting_for_health_stops_the_backend(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--never-healthy", "--spawn-child"),
        health_timeout="30s",
    )
    gate_run = GateRun(config)
    gate_run.wait_for("waiting up to 30s")
    time.sleep(0.5)
    assert len(gate_run.backend_pids()) == 2
    gate_run.proc.send_signal(signal.SIGTERM)
    assert gate_run.finish(timeout=15) == 143
    assert "interrupted by SIGTERM" in gate_run.stderr
    gate_run.assert_nothing_left()


def test_the_runners_cancel_sequence_sigint_then_sigterm(tmp_path: Path) -> None:
    """GitHub's runner sends SIGINT, then SIGTERM: the second must not cut the cleanup."""
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        backend_flags=("--spawn-child",),
        run_time="30s",
    )
    gate_run = GateRun(config)
    gate_run.wait_for("All users spawned")
    gate_run.proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    gate_run.proc.send_signal(signal.SIGTERM)
    assert gate_run.finish(timeout=15) == 130
    assert "interrupted by SIGINT" in gate_run.stderr
    assert "Traceback" not in gate_run.stderr
    gate_run.assert_nothing_left()


# ---------------------------------------------------------------- config errors (CLI)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"user": 3}, "did you mean 'users'"),
        ({"tags": "read,write"}, "zero requests"),
        ({"run-time": "ten seconds"}, "run-time is not a duration"),
    ],
)
def test_config_errors_exit_2_with_the_place_and_the_fix(
    tmp_path: Path, keys: dict[str, object], message: str
) -> None:
    config = write_config(tmp_path, port=backend.free_port())
    data = yaml.safe_load(config.read_text())
    data.update(keys)
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    gate_run, code = run_gate(config)
    assert code == 2
    assert message in gate_run.stderr
    assert "locust-gate.yml:" in gate_run.stderr  # file and line
    assert "fix:" in gate_run.stderr
    assert gate_run.tree == {}


def test_a_bad_flag_value_exits_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port())
    gate_run, code = run_gate(config, "--users", "0", "--tags", "a,b")
    assert code == 2
    assert "command line (--users)" in gate_run.stderr


# ---------------------------------------------------------------- in-process details


def test_orchestrate_sigkills_a_backend_that_ignores_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also: without `health`, the gate waits for a TCP connect to the host's port."""
    monkeypatch.setattr(orchestrate_module, "STOP_GRACE", 1.0)
    port = backend.free_port()
    path = write_config(
        tmp_path,
        port=port,
        backend_flags=("--ignore-sigterm", "--spawn-child"),
        health=None,
        run_time="1s",
    )
    config = load_config(path, {}, cwd=tmp_path)
    progress = io.StringIO()
    result = orchestrate(config, progress=progress)
    assert f"waiting up to 5s for 127.0.0.1:{port}" in progress.getvalue()
    assert result.locust_exit_code == 0
    assert result.results.is_file()
    assert result.backend_exit_code == -signal.SIGKILL  # after the 1 s grace period
    assert result.backend_log is not None
    assert "ignoring SIGTERM" in result.backend_log.read_text()
    pids = [int(p) for p in (tmp_path / "backend.pids").read_text().split()]
    assert result.backend_pid == pids[0]
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_orchestrate_raises_harness_error_with_stage(tmp_path: Path) -> None:
    path = write_config(tmp_path, port=backend.free_port(), seed="exit 5")
    config = load_config(path, {}, cwd=tmp_path)
    with pytest.raises(HarnessError) as info:
        orchestrate(config, progress=io.StringIO())
    assert info.value.stage == "seed"
    assert info.value.exit_code == 2


def test_locust_command_puts_tags_last(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        port=8089,
        tags=["a", "b"],
        exclude_tags=["slow"],
        processes=2,
        locust_args=["--stop-timeout", "3"],
    )
    config = load_config(path, {}, cwd=tmp_path)
    plugin = Path("/p/plugin.py")
    command = locust_command(config, plugin=plugin, results=tmp_path / "r.json")
    assert command[:3] == [sys.executable, "-m", "locust"]
    assert command[command.index("-f") + 1] == f"{RUNFILES / 'quick.py'},{plugin}"
    assert command[command.index("--exit-code-on-error") + 1] == "0"
    assert command[command.index("-t") + 1] == "2s"
    assert command[command.index("--processes") + 1] == "2"
    tail = ["--stop-timeout", "3", "--tags", "a", "b", "--exclude-tags", "slow"]
    assert command[-len(tail) :] == tail


# ---------------------------------------------------------------------------- health


def test_endpoints_of_health_targets() -> None:
    assert health.endpoint_of("http://127.0.0.1:8089/health") == health.Endpoint("127.0.0.1", 8089)
    assert health.endpoint_of("https://example.test/x") == health.Endpoint("example.test", 443)
    assert health.endpoint_of("localhost:5432") == health.Endpoint("localhost", 5432)
    assert health.endpoint_of("[::1]:80") == health.Endpoint("::1", 80)
    assert health.endpoint_of("localhost") is None
    assert health.endpoint_of("host:99999") is None


def test_port_in_use_and_tcp_health() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert health.port_in_use("127.0.0.1", port)
        health.wait_healthy(f"127.0.0.1:{port}", timeout=2)
    assert not health.port_in_use("127.0.0.1", port)
    with pytest.raises(health.HealthTimeout) as info:
        health.wait_healthy(f"127.0.0.1:{port}", timeout=0.3, interval=0.05)
    assert "refused" in info.value.last.lower()


def test_waiting_for_health_stops_when_the_backend_exits() -> None:
    began = time.monotonic()
    with pytest.raises(health.BackendExited) as info:
        health.wait_healthy("127.0.0.1:9", timeout=10, exited=lambda: 3)
    assert info.value.code == 3
    assert time.monotonic() - began < 1
