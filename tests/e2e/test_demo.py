"""The embedded demo: seeder, API (as a real uvicorn subprocess), DEMO_SLOWDOWN, locustfile."""

import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from demo.app import (
    BASE_SERVICE_SECONDS,
    CACHE_CAPACITY,
    MAX_PER_PAGE,
    MAX_SEARCH_RESULTS,
    parse_slowdown,
)
from gate.results.loader import load_results
from tests.support.backend import free_port
from tests.support.locustrun import run_locust

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILE = REPO / "locustfiles" / "demo.py"
SEEDED_ITEMS = 3000
SEEDED_USERS = 50

e2e = pytest.mark.e2e


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEMO_SLOWDOWN", "DEMO_DB"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _seed(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "demo.seed", "--db", str(db), *args],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class Server:
    url: str
    proc: "subprocess.Popen[bytes]"
    log: Path


def _start_server(db: Path, log: Path, env: Mapping[str, str] | None = None) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "demo.app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--db",
                str(db),
            ],
            cwd=REPO,
            env=_env(**dict(env or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=url, proc=proc, log=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"demo.app exited with {proc.returncode}:\n{log.read_text()}")
        try:
            response = httpx.get(f"{url}/health", timeout=1)
            if response.status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    _stop(server)
    pytest.fail(f"demo.app did not become healthy in 30 s:\n{log.read_text()}")


def _stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    result = _seed(db)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture(scope="module")
def server(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = _start_server(seeded_db, tmp_path_factory.mktemp("logs") / "backend.log")
    try:
        yield srv
    finally:
        _stop(srv)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def token(client: httpx.Client) -> str:
    response = client.post("/api/login", json={"username": "user7", "password": "password"})
    assert response.status_code == 200
    value = response.json()["token"]
    assert isinstance(value, str)
    return value


# --------------------------------------------------------------------------- parse_slowdown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("   ", {}),
        ("search=1.3", {"search": 1.3}),
        (" search = 1.3 , detail=2 ", {"search": 1.3, "detail": 2.0}),
        ("health=0,login=1", {"health": 0.0, "login": 1.0}),
        ("list=1.5,create=3,", {"list": 1.5, "create": 3.0}),
    ],
)
def test_parse_slowdown_valid(text: str, expected: dict[str, float]) -> None:
    assert parse_slowdown(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("items=2", "unknown endpoint 'items'"),
        ("Search=2", "unknown endpoint 'Search'"),
        ("search", "expected ENDPOINT=FACTOR"),
        ("=2", "expected ENDPOINT=FACTOR"),
        ("search=fast", "not a number"),
        ("search=", "not a number"),
        ("search=-0.5", "must be >= 0"),
        ("search=nan", "must be finite"),
        ("search=inf", "must be finite"),
        ("search=2,search=3", "given twice"),
    ],
)
def test_parse_slowdown_invalid(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_slowdown(text)


def test_every_slowdown_key_has_a_base_time() -> None:
    assert set(BASE_SERVICE_SECONDS) == {
        "login", "list", "detail", "search", "create", "health", "echo"}


# --------------------------------------------------------------------------- seeder


def test_seed_is_idempotent_and_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    result = _seed(first, "--items", "40", "--users", "3")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    assert "40 items, 3 users" in result.stdout
    assert _seed(first, "--items", "40", "--users", "3").returncode == 0  # re-seed in place
    assert _seed(second, "--items", "40", "--users", "3").returncode == 0

    def dump(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        with sqlite3.connect(db) as conn:
            items = conn.execute("SELECT * FROM items ORDER BY id").fetchall()
            users = conn.execute("SELECT id, username FROM users ORDER BY id").fetchall()
        return items, users

    items, users = dump(first)
    assert len(items) == 40
    assert [u[1] for u in users] == ["user0", "user1", "user2"]
    assert dump(second) == (items, users)


def test_seed_reports_unwritable_db(tmp_path: Path) -> None:
    result = _seed(tmp_path / "missing-dir" / "demo.sqlite3")
    assert result.returncode != 0
    assert "demo.seed: cannot write database" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- API


@e2e
def test_health(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@e2e
def test_login(client: httpx.Client, token: str) -> None:
    assert len(token) >= 20
    wrong = client.post("/api/login", json={"username": "user7", "password": "nope"})
    assert wrong.status_code == 401
    unknown = client.post("/api/login", json={"username": "mallory", "password": "password"})
    assert unknown.status_code == 401
    assert client.post("/api/login", json={"username": "user7"}).status_code == 422
    fresh = client.post("/api/login", json={"username": "user49", "password": "password"})
    assert fresh.status_code == 200
    assert fresh.json()["token"] != token


@e2e
def test_list_paging(client: httpx.Client) -> None:
    first = client.get("/api/items", params={"page": 1, "per_page": 5}).json()
    second = client.get("/api/items", params={"page": 2, "per_page": 5}).json()
    assert [i["id"] for i in first["items"]] == [1, 2, 3, 4, 5]
    assert [i["id"] for i in second["items"]] == [6, 7, 8, 9, 10]
    assert first["page"] == 1
    assert first["per_page"] == 5
    assert first["total"] >= SEEDED_ITEMS
    default = client.get("/api/items").json()
    assert default["page"] == 1
    assert len(default["items"]) == 20
    capped = client.get("/api/items", params={"per_page": 5000}).json()
    assert capped["per_page"] == MAX_PER_PAGE
    assert len(capped["items"]) == MAX_PER_PAGE
    beyond = client.get("/api/items", params={"page": 100_000}).json()
    assert beyond["items"] == []
    assert client.get("/api/items", params={"page": 0}).status_code == 422
    assert client.get("/api/items", params={"per_page": "ten"}).status_code == 422


@e2e
def test_item_detail(client: httpx.Client) -> None:
    response = client.get(f"/api/items/{SEEDED_ITEMS}")
    assert response.status_code == 200
    item = response.json()
    assert item["id"] == SEEDED_ITEMS
    assert {"name", "description", "category", "price_cents", "stock"} <= item.keys()
    missing = client.get("/api/items/999999")
    assert missing.status_code == 404
    assert "not found" in missing.json()["detail"]
    assert client.get("/api/items/abc").status_code == 422


@e2e
def test_cache_stats_count_hits_and_misses(client: httpx.Client) -> None:
    def stats() -> dict[str, float]:
        body: dict[str, dict[str, float]] = client.get("/api/cache/stats").json()
        return body["cache"]

    before = stats()
    assert before["capacity"] == CACHE_CAPACITY and before["size"] >= CACHE_CAPACITY - 1
    assert client.get("/api/items/5").status_code == 200  # warmed at startup: a hit
    cold = CACHE_CAPACITY + 17
    assert client.get(f"/api/items/{cold}").status_code == 200
    assert client.get(f"/api/items/{cold}").status_code == 200  # cached now: a hit
    after = stats()
    assert after["hits"] + after["misses"] == before["hits"] + before["misses"] + 3
    assert after["hits"] >= before["hits"] + 2
    assert after["hit_rate"] == after["hits"] / (after["hits"] + after["misses"])


def _samples(client: httpx.Client) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


@e2e
def test_websocket_echo_and_prometheus_metrics(server: Server, client: httpx.Client) -> None:
    import websocket

    samples = _samples(client)
    assert (("pool", "main"),) in samples["demo_db_connections_in_use"]
    assert 0 <= samples["demo_cache_hit_ratio"][()] <= 1
    socket = websocket.create_connection(server.url.replace("http", "ws", 1) + "/ws/echo",
                                         timeout=5)
    try:
        socket.send("hello ::error::x")
        assert socket.recv() == "hello ::error::x"
        assert _samples(client)["demo_websocket_connections"][()] >= 1
    finally:
        socket.close()


@e2e
def test_search(client: httpx.Client) -> None:
    response = client.get("/api/search", params={"q": "Walnut"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Walnut"
    assert 0 < body["count"] == len(body["results"]) <= 20
    for item in body["results"]:
        assert "walnut" in (item["name"] + item["description"]).lower()
    wide = client.get("/api/search", params={"q": "a", "limit": 1000}).json()
    assert wide["count"] == MAX_SEARCH_RESULTS
    # LIKE wildcards in the query are matched literally.
    assert client.get("/api/search", params={"q": "%"}).json()["count"] == 0
    assert client.get("/api/search", params={"q": "zzzqqq"}).json()["results"] == []
    assert client.get("/api/search").status_code == 422
    assert client.get("/api/search", params={"q": ""}).status_code == 422


@e2e
def test_create_item(client: httpx.Client, token: str) -> None:
    new = {"name": "Test Oak Stool", "price_cents": 1999, "category": "furniture", "stock": 3}
    assert client.post("/api/items", json=new).status_code == 401
    bad_token = client.post("/api/items", json=new, headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    assert bad_token.headers["www-authenticate"] == "Bearer"
    basic = client.post("/api/items", json=new, headers={"Authorization": f"Basic {token}"})
    assert basic.status_code == 401

    auth = {"Authorization": f"Bearer {token}"}
    for body in (
        {"name": "x"},
        {"name": "", "price_cents": 1},
        {**new, "price_cents": -1},
        {**new, "colour": "red"},
    ):
        assert client.post("/api/items", json=body, headers=auth).status_code == 422, body
    not_json = client.post(
        "/api/items", content=b"{", headers={**auth, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422

    created = client.post("/api/items", json=new, headers=auth)
    assert created.status_code == 201
    item = created.json()
    assert item["id"] > SEEDED_ITEMS
    assert item["owner"] == "user7"
    fetched = client.get(f"/api/items/{item['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == item


# --------------------------------------------------------------------------- DEMO_SLOWDOWN


def _median_ms(client: httpx.Client, path: str, params: dict[str, str], n: int = 15) -> float:
    client.get(path, params=params)  # warm-up
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


@e2e
def test_slowdown_slows_only_the_named_endpoint(
    seeded_db: Path, client: httpx.Client, tmp_path: Path
) -> None:
    slow = _start_server(seeded_db, tmp_path / "slow.log", {"DEMO_SLOWDOWN": "search=3"})
    try:
        with httpx.Client(base_url=slow.url, timeout=10) as slow_client:
            search = {"q": "steel"}
            base_search = _median_ms(client, "/api/search", search)
            slow_search = _median_ms(slow_client, "/api/search", search)
            base_detail = _median_ms(client, "/api/items/42", {})
            slow_detail = _median_ms(slow_client, "/api/items/42", {})
    finally:
        _stop(slow)
    assert "slowdown=search=3" in slow.log.read_text()
    # Base service time makes search >= 20 ms; x3 adds >= 40 ms of measured time.
    assert base_search >= BASE_SERVICE_SECONDS["search"] * 1000
    assert slow_search >= 2 * base_search, (base_search, slow_search)
    assert slow_detail < 1.5 * base_detail + 10, (base_detail, slow_detail)


@e2e
@pytest.mark.parametrize("value", ["search=fast", "bogus=2", "detail=-1"])
def test_invalid_slowdown_refuses_to_start(seeded_db: Path, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo.app", "--port", str(free_port()), "--db", str(seeded_db)],
        cwd=REPO,
        env=_env(DEMO_SLOWDOWN=value),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"demo.app: invalid DEMO_SLOWDOWN={value!r}: ")


@e2e
def test_missing_db_refuses_to_start(tmp_path: Path) -> None:
    db = tmp_path / "nothing-here.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "demo.app", "--port", str(free_port())],
        cwd=REPO,
        env=_env(DEMO_DB=str(db)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "python -m demo.seed --db" in result.stderr
    assert not db.exists()


# --------------------------------------------------------------------------- locustfile


@e2e
def test_locustfile_runs_headless_without_failures(server: Server, tmp_path: Path) -> None:
    """The demo's locustfile, WebSocket user included, through every route the gate
    reads: the WS request events (a request type of their own) arrive as endpoints in
    the plugin's results.json, Locust's --csv and its --json-file alike."""
    run = run_locust(LOCUSTFILE, server.url, tmp_path, users=6, run_time=5, html=False).check()
    with Path(f"{run.csv_prefix}_stats.csv").open(newline="") as handle:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(handle)}
    expected = {
        ("POST", "/api/login"),
        ("GET", "/api/items"),
        ("GET", "/api/items/[id]"),
        ("GET", "/api/search"),
        ("POST", "/api/items"),
        ("WS", "connect"),
        ("WS", "echo"),
    }
    assert expected <= rows.keys(), sorted(rows)
    assert set(rows) - expected == {("", "Aggregated")}, sorted(rows)
    for key in expected:
        assert int(rows[key]["Request Count"]) > 0, key
        assert int(rows[key]["Failure Count"]) == 0, (key, run.stderr[-3000:])
    assert int(rows[("", "Aggregated")]["Failure Count"]) == 0
    for path in (run.results, run.csv_prefix, run.json_file):
        found = {(e.method, e.name): e for e in load_results(path).endpoints}
        assert expected <= found.keys(), (path, sorted(found))
        echo = found[("WS", "echo")]
        assert echo.num_requests > 0 and echo.num_failures == 0, path
