"""The demo backend: a small FastAPI + SQLite (aiosqlite) API.

    python -m demo.seed --db demo.sqlite3
    python -m demo.app --host 127.0.0.1 --port 8089 --db demo.sqlite3

Endpoints (the key in brackets is the ``DEMO_SLOWDOWN`` name):

* ``GET  /health``             [health]  200 ``{"status": "ok"}`` when the DB answers
* ``POST /api/login``          [login]   ``{"username", "password"}`` -> ``{"token"}``; 401
* ``GET  /api/items``          [list]    ``?page=1&per_page=20`` (per_page capped at 100)
* ``GET  /api/items/{id}``     [detail]  one item; 404 when absent
* ``GET  /api/search?q=``      [search]  LIKE over name/description, at most 50 results
* ``POST /api/items``          [create]  needs ``Authorization: Bearer <token>``; 201/401/422
* ``GET  /api/cache/stats``              the item cache: ``{"cache": {"hit_rate", "hits",
                                         "misses", "size", "capacity"}}`` (hit_rate null
                                         before the first lookup)
* ``GET  /metrics``                      Prometheus' text format (prometheus_client):
                                         ``demo_db_connections_in_use{pool="main"}`` (handlers
                                         holding the database now), ``demo_cache_hit_ratio``,
                                         ``demo_websocket_connections``
* ``WS   /ws/echo``             [echo]    a WebSocket that sends every text message back

The item cache. ``GET /api/items/{id}`` answers from an LRU cache of ``CACHE_CAPACITY``
items, warmed at startup with the first ``CACHE_CAPACITY`` ids (a service that preloads
its popular items); a miss reads the database and fills the cache. The service time is
the same either way, so the cache changes the hit rate, not the latencies.

Service time. Each endpoint has a small, realistic base service time (the real
SQLite work takes about a millisecond, which Locust's response-time buckets
would hide). A handler's service time is ``max(real time, base)``; it is padded
with ``asyncio.sleep`` up to that, so the event loop keeps serving others.

``DEMO_SLOWDOWN`` (e.g. ``search=1.3`` or ``search=1.3,detail=2``) multiplies
an endpoint's service time by the factor: the handler's time is measured and
the remainder slept, i.e. ``sleep(elapsed * (factor - 1))`` once the base is
reached. Invalid values stop the app with a one-line message and exit code 2.
"""

import argparse
import asyncio
import math
import os
import secrets
import sqlite3
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Final

import aiosqlite
import uvicorn
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    Header,
    HTTPException,
    Query,
    Request,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel, ConfigDict, Field

from demo.seed import PBKDF2_ITERATIONS, hash_password, verify_password

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8089
DEFAULT_DB: Final = "demo.sqlite3"

#: Base service time per endpoint, in seconds.
BASE_SERVICE_SECONDS: Final[dict[str, float]] = {
    "login": 0.015,
    "list": 0.008,
    "detail": 0.003,
    "search": 0.020,
    "create": 0.005,
    "health": 0.0,
    "echo": 0.002,  # one WebSocket message there and back
}
SLOWDOWN_KEYS: Final = tuple(BASE_SERVICE_SECONDS)

MAX_PER_PAGE: Final = 100
MAX_SEARCH_RESULTS: Final = 50
MAX_TOKENS: Final = 50_000
CACHE_CAPACITY: Final = 1500

# Compared against for unknown users, so a miss costs as much as a wrong password.
_DUMMY_HASH: Final = hash_password("not-a-user", b"\x00" * 16, PBKDF2_ITERATIONS)


# --------------------------------------------------------------------------- DEMO_SLOWDOWN


def parse_slowdown(text: str) -> dict[str, float]:
    """Parse ``DEMO_SLOWDOWN``: ``"search=1.3,detail=2"`` -> ``{"search": 1.3, "detail": 2.0}``.

    Empty (or blank) text means no slowdown. Raises :class:`ValueError` with a
    readable message on an unknown endpoint key, a missing ``=``, a factor that
    is not a finite number, a negative factor or a repeated key.
    """
    result: dict[str, float] = {}
    for raw_part in text.split(","):
        part = raw_part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        value = value.strip()
        if not sep or not key:
            raise ValueError(f"expected ENDPOINT=FACTOR, got {part!r}")
        if key not in BASE_SERVICE_SECONDS:
            raise ValueError(f"unknown endpoint {key!r} (known: {', '.join(SLOWDOWN_KEYS)})")
        if key in result:
            raise ValueError(f"endpoint {key!r} given twice")
        try:
            factor = float(value)
        except ValueError:
            raise ValueError(f"factor for {key!r} is not a number: {value!r}") from None
        if not math.isfinite(factor):
            raise ValueError(f"factor for {key!r} must be finite, got {value!r}")
        if factor < 0:
            raise ValueError(f"factor for {key!r} must be >= 0, got {value!r}")
        result[key] = factor
    return result


# --------------------------------------------------------------------------- state


@dataclass
class ItemCache:
    """An LRU cache of items by id that counts its hits and misses."""

    capacity: int = CACHE_CAPACITY
    items: "OrderedDict[int, Item]" = field(default_factory=OrderedDict)
    hits: int = 0
    misses: int = 0

    def get(self, item_id: int) -> "Item | None":
        item = self.items.get(item_id)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self.items.move_to_end(item_id)
        return item

    def put(self, item: "Item") -> None:
        self.items[item.id] = item
        self.items.move_to_end(item.id)
        while len(self.items) > self.capacity:
            self.items.popitem(last=False)

    @property
    def hit_rate(self) -> float | None:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None


@dataclass
class DemoState:
    db_path: Path
    slowdown: dict[str, float]
    db: aiosqlite.Connection | None = None
    tokens: OrderedDict[str, str] = field(default_factory=OrderedDict)
    cache: ItemCache = field(default_factory=ItemCache)
    in_flight: int = 0  # handlers inside `service` now: each holds the database
    sockets: int = 0  # open WebSocket connections

    def conn(self) -> aiosqlite.Connection:
        if self.db is None:
            raise HTTPException(status_code=503, detail="database not open")
        return self.db

    def issue_token(self, username: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = username
        while len(self.tokens) > MAX_TOKENS:
            self.tokens.popitem(last=False)
        return token

    @asynccontextmanager
    async def service(self, key: str) -> AsyncIterator[None]:
        """Time the block and pad it to ``max(elapsed, base) * factor``.

        Errors raised by the handler (404, 401 ...) are padded too, as a real
        server spends the time before it knows the answer. A cancelled request
        is not.
        """
        started = time.perf_counter()
        self.in_flight += 1
        try:
            yield
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._pad(key, started)
            raise
        finally:
            self.in_flight -= 1
        await self._pad(key, started)

    async def _pad(self, key: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        target = max(elapsed, BASE_SERVICE_SECONDS[key]) * self.slowdown.get(key, 1.0)
        if target > elapsed:
            await asyncio.sleep(target - elapsed)


def get_state(request: Request) -> DemoState:
    state: DemoState = request.app.state.demo
    return state


State = Annotated[DemoState, Depends(get_state)]


async def current_user(state: State, authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    username = state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if username is None:
        raise HTTPException(
            status_code=401,
            detail="missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return username


CurrentUser = Annotated[str, Depends(current_user)]


# --------------------------------------------------------------------------- models


class Item(BaseModel):
    id: int
    name: str
    description: str
    category: str
    price_cents: int
    stock: int
    owner: str | None
    created_at: str


class ItemPage(BaseModel):
    items: list[Item]
    page: int
    per_page: int
    total: int


class SearchResults(BaseModel):
    query: str
    count: int
    results: list[Item]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    category: str = Field(default="misc", min_length=1, max_length=50)
    price_cents: int = Field(ge=0, le=100_000_000)
    stock: int = Field(default=0, ge=0, le=1_000_000)


ITEM_COLUMNS: Final = "id, name, description, category, price_cents, stock, owner, created_at"


def _item(row: sqlite3.Row) -> Item:
    return Item(**dict(row))


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --------------------------------------------------------------------------- routes

router = APIRouter()


@router.get("/health", response_model=None)
async def health(state: State) -> dict[str, str] | JSONResponse:
    async with state.service("health"):
        try:
            async with state.conn().execute("SELECT 1 FROM items LIMIT 1") as cur:
                await cur.fetchone()
        except (sqlite3.Error, HTTPException) as exc:
            return JSONResponse(
                status_code=503, content={"status": "unavailable", "detail": str(exc)}
            )
        return {"status": "ok"}


@router.post("/api/login")
async def login(body: LoginRequest, state: State) -> LoginResponse:
    async with state.service("login"):
        async with state.conn().execute(
            "SELECT password_hash FROM users WHERE username = ?", (body.username,)
        ) as cur:
            row = await cur.fetchone()
        encoded = row["password_hash"] if row is not None else _DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, body.password, encoded)
        if row is None or not ok:
            raise HTTPException(status_code=401, detail="invalid username or password")
        return LoginResponse(token=state.issue_token(body.username))


@router.get("/api/items")
async def list_items(
    state: State,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1)] = 20,
) -> ItemPage:
    async with state.service("list"):
        per_page = min(per_page, MAX_PER_PAGE)
        db = state.conn()
        async with db.execute("SELECT count(*) FROM items") as cur:
            count_row = await cur.fetchone()
        total = int(count_row[0]) if count_row is not None else 0
        async with db.execute(
            f"SELECT {ITEM_COLUMNS} FROM items ORDER BY id LIMIT ? OFFSET ?",
            (per_page, (page - 1) * per_page),
        ) as cur:
            rows = list(await cur.fetchall())
        return ItemPage(items=[_item(r) for r in rows], page=page, per_page=per_page, total=total)


@router.get("/api/items/{item_id}")
async def get_item(state: State, item_id: Annotated[int, PathParam(ge=1)]) -> Item:
    async with state.service("detail"):
        cached = state.cache.get(item_id)
        if cached is not None:
            return cached
        async with state.conn().execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(status_code=404, detail=f"item {item_id} not found")
        item = _item(row)
        state.cache.put(item)
        return item


@router.get("/api/cache/stats")
async def cache_stats(state: State) -> dict[str, dict[str, float | int | None]]:
    cache = state.cache
    return {"cache": {"hit_rate": cache.hit_rate, "hits": cache.hits, "misses": cache.misses,
                      "size": len(cache.items), "capacity": cache.capacity}}


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


@router.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    state: DemoState = websocket.app.state.demo
    await websocket.accept()
    state.sockets += 1
    try:
        while True:
            text = await websocket.receive_text()
            started = time.perf_counter()
            await state._pad("echo", started)  # the echo's base service time, as for HTTP
            await websocket.send_text(text)
    except WebSocketDisconnect:
        pass
    finally:
        state.sockets -= 1


@router.get("/api/search")
async def search(
    state: State,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1)] = 20,
) -> SearchResults:
    async with state.service("search"):
        limit = min(limit, MAX_SEARCH_RESULTS)
        pattern = _like_pattern(q.strip())
        async with state.conn().execute(
            f"SELECT {ITEM_COLUMNS} FROM items"
            " WHERE name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'"
            " ORDER BY id LIMIT ?",
            (pattern, pattern, limit),
        ) as cur:
            rows = list(await cur.fetchall())
        return SearchResults(query=q, count=len(rows), results=[_item(r) for r in rows])


@router.post("/api/items", status_code=201)
async def create_item(body: ItemCreate, state: State, user: CurrentUser) -> Item:
    async with state.service("create"):
        db = state.conn()
        created_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        async with db.execute(
            "INSERT INTO items"
            " (name, description, category, price_cents, stock, owner, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                body.name,
                body.description,
                body.category,
                body.price_cents,
                body.stock,
                user,
                created_at,
            ),
        ) as cur:
            item_id = int(cur.lastrowid or 0)
        await db.commit()
        return Item(id=item_id, owner=user, created_at=created_at, **body.model_dump())


# --------------------------------------------------------------------------- app


class DemoCollector(Collector):
    """The demo's own numbers, read from its state at each scrape of /metrics."""

    def __init__(self, state: DemoState) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = self.state
        pool = GaugeMetricFamily("demo_db_connections_in_use",
                                 "Request handlers holding the database now.", labels=["pool"])
        pool.add_metric(["main"], state.in_flight)
        yield pool
        hit_rate = state.cache.hit_rate
        yield GaugeMetricFamily("demo_cache_hit_ratio", "Item cache hits per lookup.",
                                value=hit_rate if hit_rate is not None else math.nan)
        yield GaugeMetricFamily("demo_websocket_connections", "Open WebSocket connections.",
                                value=state.sockets)


async def _warm_cache(demo: DemoState, db: aiosqlite.Connection) -> None:
    """Preload the first CACHE_CAPACITY items, as a service preloads its popular ones."""
    async with db.execute(
        f"SELECT {ITEM_COLUMNS} FROM items ORDER BY id LIMIT ?", (demo.cache.capacity,)
    ) as cur:
        for row in await cur.fetchall():
            demo.cache.put(_item(row))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    demo: DemoState = app.state.demo
    uri = demo.db_path.resolve().as_uri() + "?mode=rw"
    db = await aiosqlite.connect(uri, uri=True)
    db.row_factory = sqlite3.Row
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA synchronous=NORMAL")
    await _warm_cache(demo, db)
    demo.db = db
    try:
        yield
    finally:
        demo.db = None
        await db.close()


def create_app(
    db_path: str | os.PathLike[str], slowdown: dict[str, float] | None = None
) -> FastAPI:
    """Build the app; the database is opened (read-write, never created) at startup."""
    app = FastAPI(title="locust-gate demo API", version="1.0", lifespan=_lifespan)
    app.state.demo = DemoState(db_path=Path(db_path), slowdown=dict(slowdown or {}))
    app.state.registry = CollectorRegistry()
    app.state.registry.register(DemoCollector(app.state.demo))
    app.include_router(router)
    return app


# --------------------------------------------------------------------------- CLI


def _check_db(path: Path) -> str | None:
    """Return a problem with the database file, or None when it looks seeded."""
    if not path.is_file():
        return f"database {path} not found; create it with: python -m demo.seed --db {path}"
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            conn.execute("SELECT 1 FROM items LIMIT 1").fetchall()
            conn.execute("SELECT 1 FROM users LIMIT 1").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"database {path} is not usable ({exc}); re-seed: python -m demo.seed --db {path}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.app", description="The demo API.")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"bind address ({DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    parser.add_argument(
        "--db",
        default=os.environ.get("DEMO_DB") or DEFAULT_DB,
        help=f"SQLite file made by demo.seed (env DEMO_DB, default {DEFAULT_DB})",
    )
    parser.add_argument("--log-level", choices=("warning", "info"), default="warning")
    args = parser.parse_args(argv)

    raw = os.environ.get("DEMO_SLOWDOWN", "")
    try:
        slowdown = parse_slowdown(raw)
    except ValueError as exc:
        print(f"demo.app: invalid DEMO_SLOWDOWN={raw!r}: {exc}", file=sys.stderr)
        return 2
    db_path = Path(args.db)
    problem = _check_db(db_path)
    if problem is not None:
        print(f"demo.app: {problem}", file=sys.stderr)
        return 2

    described = ",".join(f"{k}={v:g}" for k, v in slowdown.items()) or "none"
    print(
        f"demo.app: serving http://{args.host}:{args.port} db={db_path} slowdown={described}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        create_app(db_path, slowdown),
        host=args.host,
        port=args.port,
        workers=1,
        log_level=args.log_level,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
