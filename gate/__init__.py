"""locust-gate: a CI regression gate for Locust load tests."""

__version__ = "0.1.0"
