"""The harness of `locust-gate run`: settings, processes, health checks, orchestration.

`settings` (the table: every setting declared once, as a `RunConfig` field), `validators`
(raw value -> typed value, with file/line or flag in errors), `config` (locust-gate.yml
and flags -> `RunConfig`), `process` (process groups and
whole-tree cleanup), `health` (HTTP/TCP readiness) and `orchestrate` (seed, start, wait,
Locust, stop).
"""
