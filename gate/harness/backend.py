"""The backend under test: the busy-port check, its start, the wait for health, its crash.

Only when the gate starts the backend (`start`) are its ports checked first (a UserError,
nothing started) and its output kept in OUTPUT/backend.log. The health target is `health`,
or a TCP connect to the host's port when the gate starts the backend. Each failure is a
HarnessError at its stage: "start" (it could not start, or exited non-zero before it was
healthy), "health" (not healthy in time), "backend" (it died during the load test: a
harness failure, not a latency regression).

A start command that exits 0 has daemonised (`gunicorn --daemon`, `pg_ctl start`): the
wait for health goes on until `health-timeout`. The daemon's processes carry the run's
mark (`gate.harness.sweep`), so they are watched during the load and stopped at the end
like the rest; a daemon that is not ours (a container `docker compose up -d` asked
Docker's daemon for) carries no mark, and the gate says it can neither watch nor stop it.
"""

from __future__ import annotations

from pathlib import Path

from gate.errors import HarnessError, UserError
from gate.harness import health, process, sweep
from gate.harness.config import RunConfig


def check_ports(config: RunConfig) -> None:
    """UserError when the port of `host` or `health` already has a listener."""
    targets = [t for t in (config.host, config.health) if t]
    seen: set[health.Endpoint] = set()
    for target in targets:
        endpoint = health.endpoint_of(target)
        if endpoint is None or endpoint in seen:
            continue
        seen.add(endpoint)
        if health.port_in_use(endpoint.host, endpoint.port):
            raise UserError(
                f"port {endpoint.port} on {endpoint.host} is already in use, so the backend "
                "could not listen there; nothing was started",
                where=f"{target} (from {'host' if target == config.host else 'health'})",
                fix=f"stop what listens there (find it with `ss -ltnp 'sport = :{endpoint.port}'`"
                f" or `lsof -i :{endpoint.port}`; often a backend left over from an earlier "
                "run), or move host, health and the start command to a free port",
            )


def start_backend(command: str, *, log: Path, cwd: Path, env: dict[str, str]) -> process.Managed:
    """The `start` command running in its own session; stage "start" if it cannot start."""
    try:
        return process.start(command, log_path=log, name="backend", cwd=cwd, env=env)
    except OSError as exc:
        raise HarnessError(
            f"the backend could not be started: {exc}", stage="start", where=f"start: {command}"
        ) from exc


def health_target(config: RunConfig) -> str | None:
    """`health`, or a TCP check of the host's port when the gate starts the backend."""
    if config.health:
        return config.health
    if config.start and config.host:
        endpoint = health.endpoint_of(config.host)
        return str(endpoint) if endpoint else None
    return None


def wait_until_healthy(config: RunConfig, backend: process.Managed | None, target: str) -> None:
    """Poll `target` for up to `health-timeout`, giving up early if `backend` exits."""
    log = backend.log_path if backend is not None else None
    try:
        health.wait_healthy(
            target,
            timeout=config.health_timeout,
            exited=(lambda: _failed(backend)) if backend is not None else None,
        )
    except health.BackendExited as exc:
        raise HarnessError(
            f"the backend exited with {process.describe_exit(exc.code)} before it became healthy",
            stage="start",
            where=f"start: {config.start} (output in {log})",
            fix=_log_fix(log, "see the backend log below; run the start command by hand to "
                         "reproduce"),
            log_tail=process.tail(log) if log else None,
        ) from exc
    except health.HealthTimeout as exc:
        daemonised = backend is not None and backend.poll() == 0
        raise HarnessError(
            f"the backend was not healthy after {exc.timeout:g}s: {target} "
            f"(last probe: {exc.last})"
            + ("; the start command exited with code 0, so it was waited for as a daemon"
               if daemonised else ""),
            stage="health",
            where=f"health: {target}" + (f" (backend output in {log})" if log else ""),
            fix="check that the start command listens where `health` points, and that the "
            "health endpoint answers 2xx; raise health-timeout if it is only slow",
            log_tail=process.tail(log) if log else None,
        ) from exc


def _failed(backend: process.Managed) -> int | None:
    """The start command's exit code when it failed; None while it runs or once it
    exited 0 (it daemonised: health decides)."""
    code = backend.poll()
    return None if code == 0 else code


def adopt_daemon(backend: process.Managed, mark: str) -> str | None:
    """After health: when the start command exited 0, its daemon is whatever carries the
    run's mark now (Locust has not started); remember it, so that the load test notices
    its death. Returns what to tell the user, or None when the command still runs."""
    if backend.poll() != 0:
        return None
    backend.daemons = tuple(sweep.marked(mark))
    if not backend.daemons:
        return ("the start command exited with code 0 and the backend is healthy, but no "
                "process of this run serves it (a container or a service manager's?): the "
                "gate cannot watch or stop it")
    shown = "; ".join(sweep.describe(p) for p in backend.daemons)
    return (f"the start command exited with code 0 and left a daemon: {shown} (watched "
            "during the load test, stopped at the end)")


def crashed(config: RunConfig, backend: process.Managed, code: int) -> HarnessError:
    """The error for a backend that exited with `code` while Locust was running."""
    what = (f"the backend's daemon ({len(backend.daemons)} process(es) left by the start "
            "command) ended" if backend.daemons else
            f"the backend exited with {process.describe_exit(code)}")
    return HarnessError(
        f"{what} during the load test",
        stage="backend",
        where=f"start: {config.start} (output in {backend.log_path})",
        fix=_log_fix(backend.log_path, "this is a harness failure, not a regression: "
                     "the backend crashed or was killed (out of memory?); see the "
                     "backend log below"),
        log_tail=process.tail(backend.log_path),
    )


def _log_fix(log: Path | None, fix: str) -> str:
    """`fix`, which points at the log's tail below, or the fact that the log is empty."""
    if log is not None and process.tail(log):
        return fix
    return fix.replace("see the backend log below", f"the backend printed nothing ({log})")
