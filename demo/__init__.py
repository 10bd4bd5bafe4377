"""The embedded demo backend: a small FastAPI + SQLite API for `locust-gate run`.

* ``python -m demo.seed --db demo.sqlite3`` creates and fills the database.
* ``python -m demo.app --db demo.sqlite3`` serves it on http://127.0.0.1:8089.
"""
