"""Read the thresholds' `metrics:` (numbers the backend exposes at a URL) during a run.

`run` reads each entry once after the load (Locust has exited, the backend still runs),
or with `during: true` once a second while Locust runs (`Sampler`, a thread), and hands
the readings (`gate.core.model.MetricReading`) to the pure judging
(`gate.core.external`) through metrics.json (`gate.results.metricsfile`).

Every read is bounded: 5 s (`TIMEOUT`) from the request to the last byte, 1 MB of body
(`MAX_BYTES`); only http(s) URLs; a redirect is followed only on the same scheme, host
and port (at most 3), never to another host. The URL's `user:password@` is removed
wherever it is shown (`gate.baseline.store.redact`) and, in GitHub Actions, masked.
A read that gives no number says why: unreachable, an HTTP error, too large, not JSON or
not Prometheus' text format, a missing path, metric or labels, a value that is not a
number; hostile text from the endpoint is only ever a part of such a message (each sink
escapes it like an endpoint name).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

from gate.baseline.storespec import mask_credentials, redact
from gate.core.model import MetricReading
from gate.core.sections import ExternalMetric, Format
from gate.errors import UserError
from gate.files import jsontext

__all__ = ["MAX_BYTES", "TIMEOUT", "Sampler", "Target", "read_after", "sampling", "targets"]

TIMEOUT = 5.0  # seconds for one read, connection to last byte
MAX_BYTES = 1_000_000  # a body larger than this is not a metrics document
MAX_REDIRECTS = 3
INTERVAL = 1.0  # seconds between two reads of a `during: true` metric
_MAX_SHOWN = 200  # characters of the endpoint's own text in a message


class ReadError(Exception):
    """Why a read gave no number (the message is shown in the check)."""


@dataclass(frozen=True, kw_only=True)
class Target:
    """One metric with its URL resolved: `url` keeps credentials (only the request sees
    it), `shown` is the URL as every message and file shows it."""

    metric: ExternalMetric
    url: str
    shown: str


def targets(metrics: Sequence[ExternalMetric], host: str | None) -> tuple[Target, ...]:
    """Resolve `{host}` (the run's host URL) and `{port}` (its port) in every URL; a
    UserError, before anything starts, when a URL needs a host the run does not have."""
    resolved: list[Target] = []
    for metric in metrics:
        url = metric.url
        if "{host}" in url or "{port}" in url:
            if host is None:
                raise UserError(
                    f"the URL of metric {metric.name!r} uses {{host}} or {{port}}, and no "
                    "host is configured", where=metric.where,
                    fix="set `host:` in locust-gate.yml (or --host), or write the URL in full")
            parts = urlsplit(host)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            url = url.replace("{host}", host.rstrip("/")).replace("{port}", str(port))
        mask_credentials(url)
        resolved.append(Target(metric=metric, url=url, shown=redact(url)))
    return tuple(resolved)


# --- one read -----------------------------------------------------------------------------


def read(target: Target) -> float:
    """The number `target` names, read now; ReadError says why there is none."""
    text = fetch(target.url)
    metric = target.metric
    if metric.format is Format.JSON:
        return from_json(text, metric.path)
    return from_prometheus(text, metric.metric, dict(metric.labels))


def fetch(url: str) -> str:
    """The body of `url` (2xx), within `TIMEOUT` and `MAX_BYTES`; redirects followed only
    on the same scheme, host and port."""
    import requests  # noqa: PLC0415 (only runs with a metrics: section pay for it)

    deadline = time.monotonic() + TIMEOUT
    with requests.Session() as session:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = session.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False)
                with response:
                    if response.is_redirect:
                        url = _redirected(url, response.headers.get("location", ""))
                        continue
                    if not 200 <= response.status_code < 300:
                        raise ReadError(f"the URL answered HTTP {response.status_code}")
                    return _body(response, deadline)
            except requests.Timeout:
                raise ReadError(f"no answer within {TIMEOUT:g} s") from None
            except requests.RequestException as exc:
                raise ReadError(f"unreachable: {_reason(exc)}") from None
    raise ReadError(f"more than {MAX_REDIRECTS} redirects")


def _redirected(url: str, location: str) -> str:
    target = urljoin(url, location)
    before, after = urlsplit(url), urlsplit(target)
    same = (before.scheme, before.hostname, before.port) == (
        after.scheme, after.hostname, after.port)
    if not same:
        raise ReadError(f"redirected to another host ({_clip(redact(target))}): not followed")
    return target


def _body(response: object, deadline: float) -> str:
    """Read the streamed body chunk by chunk, within the deadline and the size bound."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(65536):  # type: ignore[attr-defined]
        size += len(chunk)
        if size > MAX_BYTES:
            raise ReadError(f"the body is larger than {MAX_BYTES:,} bytes")
        if time.monotonic() > deadline:
            raise ReadError(f"the body did not arrive within {TIMEOUT:g} s")
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _reason(exc: Exception) -> str:
    """The root cause's words (connection refused, name not known), without the URL."""
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    text = str(cause.args[-1] if cause.args else cause)
    return _clip(redact(text.rpartition(": ")[2] or text))


def from_json(text: str, path: Sequence[str]) -> float:
    """The number at the dotted `path` of the JSON document `text`."""
    try:
        node = jsontext.loads(text)
    except ValueError as exc:
        raise ReadError(f"not a JSON document: {_clip(str(exc))}") from None
    for depth, key in enumerate(path):
        here = ".".join(path[:depth]) or "the top level"
        if isinstance(node, dict):
            if key not in node:
                keys = ", ".join(sorted(node)[:10]) or "none"
                raise ReadError(f"missing path: {here} has no key {key!r} (its keys: "
                                f"{_clip(keys)})")
            node = node[key]
        elif isinstance(node, list) and key.isdigit():
            if int(key) >= len(node):
                raise ReadError(f"missing path: {here} has {len(node)} items, no item {key}")
            node = node[int(key)]
        else:
            raise ReadError(f"missing path: {here} is {_kind(node)}, it has no key {key!r}")
    return _number(node, ".".join(path))


def from_prometheus(text: str, name: str, labels: dict[str, str]) -> float:
    """The value of the one sample named `name` (or a counter's `name_total`) that
    carries `labels`, parsed with prometheus_client's own parser."""
    from prometheus_client.parser import (  # noqa: PLC0415 (only Prometheus metrics)
        text_string_to_metric_families,
    )

    found = []
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name in (name, f"{name}_total"):
                    found.append(sample)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise ReadError(f"not Prometheus' text format: {_clip(str(exc))}") from None
    if not found:
        raise ReadError(f"missing metric: no sample named {name!r}")
    matching = [s for s in found if all(s.labels.get(k) == v for k, v in labels.items())]
    if not matching:
        seen = "; ".join(_labels(s.labels) for s in found[:5])
        raise ReadError(f"missing labels: no {name} sample has {_labels(labels)} (it has: "
                        f"{_clip(seen)})")
    if len(matching) > 1:
        seen = "; ".join(_labels(s.labels) for s in matching[:5])
        raise ReadError(f"{len(matching)} {name} samples match {_labels(labels)}: add labels "
                        f"to pick one ({_clip(seen)})")
    return _number(matching[0].value, name)


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        shown = repr(value) if isinstance(value, str | float) else _kind(value)
        raise ReadError(f"not a number: {what} is {_clip(shown)}")
    return float(value)


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a text", bool: "true or false"}.get(
        type(value), type(value).__name__)


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


# --- many reads -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class _Tally:
    """The reads of one metric so far (one thread writes it: the sampler's, or `run`'s)."""

    target: Target
    samples: int = 0
    failed: int = 0
    peak: float | None = None
    lowest: float | None = None
    error: str = ""

    def read(self) -> None:
        try:
            number = read(self.target)
        except ReadError as exc:
            self.failed += 1
            self.error = str(exc)
            return
        self.samples += 1
        self.peak = number if self.peak is None else max(self.peak, number)
        self.lowest = number if self.lowest is None else min(self.lowest, number)

    def reading(self) -> MetricReading:
        metric = self.target.metric
        return MetricReading(
            name=metric.name, what=metric.what, url=self.target.shown, during=metric.during,
            samples=self.samples, peak=self.peak, lowest=self.lowest, failed=self.failed,
            error=self.error)


@dataclass(kw_only=True)
class Sampler:
    """Reads every `during: true` metric once a second on a thread of its own (a daemon),
    until `stop`, which waits at most for the read in flight (`TIMEOUT`)."""

    targets: tuple[Target, ...]
    _tallies: list[_Tally] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._tallies = [_Tally(target=t) for t in self.targets if t.metric.during]
        if self._tallies:
            self._thread = threading.Thread(target=self._loop, name="locust-gate metrics",
                                            daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            for tally in self._tallies:
                if self._stop.is_set():
                    return
                tally.read()
            self._stop.wait(max(0.0, INTERVAL - (time.monotonic() - began)))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(TIMEOUT + INTERVAL)  # at most the read in flight

    def readings(self) -> list[MetricReading]:
        return [tally.reading() for tally in self._tallies]


@contextmanager
def sampling(found: Sequence[Target]) -> Iterator[Sampler]:
    """A started `Sampler` for the block (the load test); stopped however it ends."""
    sampler = Sampler(targets=tuple(found))
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()


def combined(earlier: MetricReading, later: MetricReading) -> MetricReading:
    """The reads of one `during: true` metric over two load tests (`run --repeat`) as one:
    reads added, the highest and the lowest of both, the later error."""
    peaks = [v for v in (earlier.peak, later.peak) if v is not None]
    lows = [v for v in (earlier.lowest, later.lowest) if v is not None]
    return replace(later, samples=earlier.samples + later.samples,
                   failed=earlier.failed + later.failed,
                   peak=max(peaks) if peaks else None, lowest=min(lows) if lows else None,
                   error=later.error or earlier.error)


def read_after(found: Sequence[Target]) -> list[MetricReading]:
    """One read of every metric that is not read during the load."""
    tallies = [_Tally(target=t) for t in found if not t.metric.during]
    for tally in tallies:
        tally.read()
    return [tally.reading() for tally in tallies]
