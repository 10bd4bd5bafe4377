"""`evaluate._closest` is a faster `difflib.get_close_matches(..., n=1)`: same answers."""

from __future__ import annotations

import difflib
import random

from gate.core.evaluate import _closest


def test_closest_agrees_with_difflib() -> None:
    rng = random.Random(7)
    names = [f"/api/v{rng.randint(1, 3)}/{rng.choice(['items', 'users', 'search'])}"
             f"/{rng.randint(0, 500)}" for _ in range(400)]
    names += ["GET " + n for n in names[:50]] + ["/api/items", "/api/items"]  # ties, repeats
    words = ["/api/v1/items/*", "/api/itmes", "/nothing/alike", "GET /api/v2/users/1",
             "", "/api/v3/search/12", *rng.sample(names, 20)]
    for word in words:
        for cutoff in (0.0, 0.6, 0.9):
            expected = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
            assert _closest(word, names, cutoff=cutoff) == (expected[0] if expected else None)
    assert _closest("x", [], cutoff=0.6) is None
