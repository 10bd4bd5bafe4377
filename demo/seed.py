"""Create and fill the demo database.

    python -m demo.seed --db PATH [--items 3000] [--users 50] [--seed 1234]

Drops and recreates the schema every time (idempotent), then inserts
deterministic, realistic-looking items and the users ``user0..user{N-1}``,
all with the password ``password``. Prints a one-line summary.

Only the standard library is used here, so the app can import the schema and
the password helpers without pulling anything else in.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import hmac
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

DEFAULT_DB = "demo.sqlite3"
DEFAULT_ITEMS = 3000
DEFAULT_USERS = 50
DEFAULT_SEED = 1234
DEMO_PASSWORD = "password"  # noqa: S105 - the documented demo credential

# Deliberately low: a realistic code path at demo cost (a few ms per login).
PBKDF2_ITERATIONS = 30_000

SCHEMA = """
DROP TABLE IF EXISTS items;
DROP TABLE IF EXISTS users;
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    category    TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    owner       TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX items_category ON items (category);
"""

# fmt: off
ADJECTIVES = (
    "Ergonomic", "Rustic", "Compact", "Wireless", "Portable", "Heavy-Duty",
    "Sleek", "Vintage", "Modular", "Smart", "Foldable", "Waterproof",
    "Lightweight", "Premium", "Classic", "Adjustable", "Insulated", "Handmade",
)
MATERIALS = (
    "Steel", "Oak", "Bamboo", "Leather", "Cotton", "Aluminum", "Granite",
    "Ceramic", "Wool", "Carbon", "Glass", "Copper", "Linen", "Walnut",
)
PRODUCTS = {
    "furniture": ("Chair", "Desk", "Shelf", "Stool", "Bench", "Cabinet"),
    "kitchen": ("Kettle", "Mug", "Knife", "Pan", "Cutting Board", "Teapot"),
    "electronics": ("Keyboard", "Headphones", "Speaker", "Charger", "Lamp", "Mouse"),
    "outdoor": ("Backpack", "Tent", "Lantern", "Bottle", "Hammock", "Jacket"),
    "office": ("Notebook", "Pen", "Organizer", "Planner", "Stapler", "Monitor Stand"),
}
FEATURES = (
    "built to last", "easy to clean", "backed by a two-year warranty",
    "designed in small batches", "ideal for everyday use", "great as a gift",
    "tested for durability", "made from recycled materials",
    "shipped in plastic-free packaging", "popular with remote teams",
)
USES = (
    "home offices", "busy kitchens", "weekend trips", "students", "small apartments",
    "workshops", "long hikes", "creative studios",
)
# fmt: on


def hash_password(password: str, salt: bytes, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Return ``pbkdf2_sha256$<iterations>$<salt hex>$<digest hex>``."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """Check ``password`` against a :func:`hash_password` string (constant time)."""
    try:
        algorithm, iterations, salt_hex, digest_hex = encoded.split("$")
        if algorithm != "pbkdf2_sha256":
            return False
        salt = bytes.fromhex(salt_hex)
        expected = bytes.fromhex(digest_hex)
        rounds = int(iterations)
    except ValueError:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    return hmac.compare_digest(actual, expected)


def make_items(count: int, rng: random.Random) -> list[tuple[str, str, str, int, int, str]]:
    """Deterministic rows ``(name, description, category, price_cents, stock, created_at)``."""
    categories = sorted(PRODUCTS)
    rows: list[tuple[str, str, str, int, int, str]] = []
    base = calendar.timegm((2024, 1, 1, 0, 0, 0, 0, 0, 0))
    for _ in range(count):
        category = rng.choice(categories)
        product = rng.choice(PRODUCTS[category])
        material = rng.choice(MATERIALS)
        name = f"{rng.choice(ADJECTIVES)} {material} {product}"
        features = rng.sample(FEATURES, 2)
        description = (
            f"A {material.lower()} {product.lower()} made for {rng.choice(USES)}; "
            f"{features[0]} and {features[1]}."
        )
        price_cents = rng.randrange(199, 49_999)
        stock = rng.randrange(0, 500)
        created = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + rng.randrange(0, 365 * 86_400))
        )
        rows.append((name, description, category, price_cents, stock, created))
    return rows


def seed(db_path: Path, items: int, users: int, random_seed: int = DEFAULT_SEED) -> None:
    """Drop and recreate the schema in ``db_path`` and fill it."""
    rng = random.Random(random_seed)
    now = "2024-01-01T00:00:00Z"
    user_rows = [
        (f"user{i}", hash_password(DEMO_PASSWORD, rng.randbytes(16)), now) for i in range(users)
    ]
    item_rows = make_items(items, rng)
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.executescript(SCHEMA)
            conn.executemany(
                "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)",
                user_rows,
            )
            conn.executemany(
                "INSERT INTO items (name, description, category, price_cents, stock, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                item_rows,
            )
    finally:
        conn.close()


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.seed", description="Create and fill the demo database."
    )
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file (default {DEFAULT_DB})")
    parser.add_argument("--items", type=_non_negative, default=DEFAULT_ITEMS)
    parser.add_argument("--users", type=_non_negative, default=DEFAULT_USERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)

    db_path = Path(args.db)
    started = time.perf_counter()
    try:
        seed(db_path, args.items, args.users, args.seed)
    except (sqlite3.Error, OSError) as exc:
        print(f"demo.seed: cannot write database {db_path}: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(
        f"demo.seed: {db_path}: {args.items} items, {args.users} users "
        f"(password {DEMO_PASSWORD!r}) in {elapsed:.2f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
