"""The harness of `locust-gate run`: settings, processes, health checks, orchestration.

`config` (locust-gate.yml and flags -> `RunConfig`), `process` (process groups and
whole-tree cleanup), `health` (HTTP/TCP readiness) and `orchestrate` (seed, start, wait,
Locust, stop).
"""
