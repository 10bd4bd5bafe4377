"""The harness of `locust-gate run`: settings, processes, health checks, orchestration.

`settings` (the table: every setting declared once, as a `RunConfig` field), `validators`
(raw value -> typed value, with file/line or flag in errors), `config` (locust-gate.yml
and flags -> `RunConfig`), `process` (process groups and whole-tree cleanup), `health`
(HTTP/TCP readiness), `shape` (LoadTestShape detection), `sweep` and `guardian` (the output
directory's claim, marked processes), `interrupts` (signals -> `Interrupted`), and the
steps of a run: `orchestrate` (their order, progress lines and cleanup), `seed`, `backend`
(busy ports, start, health wait, crash), `invocation` (the load plan and Locust's command
line), `loadtest` (Locust while it runs, and what its end means). `run --against-ref`:
`worktree` (the ref checked out into a temporary git worktree) and `rounds` (two sides,
each a run's steps, in alternating Locust rounds).
"""
