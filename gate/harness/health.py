"""Is the backend up? HTTP (2xx) or TCP-connect polling, and the busy-port pre-check.

A health target is either an http(s) URL (healthy when a GET answers 2xx) or `host:port`
(healthy when a TCP connection is accepted).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class HealthTimeout(Exception):
    """The target did not become healthy in time; `last` says what the last probe saw."""

    def __init__(self, target: str, timeout: float, last: str) -> None:
        super().__init__(f"{target} was not healthy after {timeout:g}s (last probe: {last})")
        self.target = target
        self.timeout = timeout
        self.last = last


class BackendExited(Exception):
    """The backend process exited while we were waiting for it to become healthy."""

    def __init__(self, code: int) -> None:
        super().__init__(f"the backend exited with code {code} before it became healthy")
        self.code = code


def is_url(target: str) -> bool:
    return urlsplit(target).scheme in _DEFAULT_PORTS


def endpoint_of(target: str) -> Endpoint | None:
    """host and port of an http(s) URL (default port by scheme) or of `host:port`."""
    if is_url(target):
        parts = urlsplit(target)
        try:
            port = parts.port
        except ValueError:
            return None
        if not parts.hostname:
            return None
        return Endpoint(parts.hostname, port or _DEFAULT_PORTS[parts.scheme])
    host, sep, port_text = target.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return Endpoint(host, int(port_text))


def probe(target: str, timeout: float = 2.0) -> tuple[bool, str]:
    """One check: (healthy, what was seen)."""
    if is_url(target):
        return _probe_http(target, timeout)
    endpoint = endpoint_of(target)
    if endpoint is None:
        return False, f"not a URL or host:port: {target!r}"
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return True, "connected"
    except OSError as exc:
        return False, exc.strerror or str(exc)


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_DEFAULT = urllib.request.build_opener()


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _probe_http(url: str, timeout: float) -> tuple[bool, str]:
    headers = {"User-Agent": "locust-gate"}
    request = urllib.request.Request(url, method="GET", headers=headers)  # noqa: S310 - http(s)
    # A proxy from HTTP_PROXY must not stand between us and a backend on this machine.
    opener = _DIRECT if _is_loopback(urlsplit(url).hostname or "") else _DEFAULT
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # urllib follows redirects: it gave up on this one
            return False, _redirect_problem(exc)
        return False, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, OSError) and reason.strerror:
            return False, reason.strerror
        return False, str(reason)
    except (OSError, ValueError) as exc:  # timeouts, resets, bad status lines
        return False, str(exc) or type(exc).__name__
    return 200 <= status < 300, f"HTTP {status}"


def _redirect_problem(exc: urllib.error.HTTPError) -> str:
    if "infinite loop" in str(exc.msg) or "maximum" in str(exc.msg):
        return f"HTTP {exc.code}: a redirect loop (it never reaches a 2xx; last URL {exc.url})"
    return f"HTTP {exc.code}: a redirect that could not be followed (no usable Location)"


def wait_healthy(
    target: str,
    *,
    timeout: float,
    exited: Callable[[], int | None] | None = None,
    interval: float = 0.2,
) -> None:
    """Poll `target` until healthy. Raise BackendExited as soon as `exited()` returns an
    exit code (the backend died: no point waiting), HealthTimeout after `timeout` s."""
    deadline = time.monotonic() + timeout
    last = "no probe yet"
    while True:
        if exited is not None and (code := exited()) is not None:
            raise BackendExited(code)
        remaining = deadline - time.monotonic()
        healthy, last = probe(target, timeout=max(0.1, min(2.0, remaining)))
        if healthy:
            return
        if exited is not None and (code := exited()) is not None:
            raise BackendExited(code)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HealthTimeout(target, timeout, last)
        time.sleep(min(interval, remaining))


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on host:port, or the address cannot be bound because
    another socket holds it. An address that is not local (EADDRNOTAVAIL) is not "in use"."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    for family, kind, proto, _canon, address in infos:
        with socket.socket(family, kind, proto) as sock:
            # Like the servers we start: TIME_WAIT leftovers must not count as "in use".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
    return False
