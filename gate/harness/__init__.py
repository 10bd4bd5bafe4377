"""The harness of `locust-gate run`: settings, processes, health checks, orchestration.

`settings` (the table: every setting declared once, as a `RunConfig` field), `validators`
(raw value -> typed value, with file/line or flag in errors), `profiles` (the
`profiles:` section: named loads), `userclasses` (the `user-classes` setting: which user
classes run and their weights, checked against the locustfile's), `config`
(locust-gate.yml, its profile, and flags -> `RunConfig`), `process` (process groups and
whole-tree cleanup), `health` (HTTP/TCP readiness), `shape` (LoadTestShape detection),
`stages` (the `stages:` setting's validator), `sweep` and `guardian` (the output
directory's claim, marked processes), `interrupts` (signals -> `Interrupted`), and the
steps of a run: `orchestrate` (their order, progress lines and cleanup), `seed`, `backend`
(busy ports, start, health wait, crash), `invocation` (the load plan and Locust's command
line), `loadtest` (Locust while it runs, and what its end means), `during` (what is
sampled while the load runs, added to results.json after) with `resources` (the
backend's process tree: CPU, memory, threads, connections), and `metrics` (the
thresholds' `metrics:` read over HTTP during and after the load). `run --against-ref`:
`worktree` (the ref checked out into a temporary git worktree) and `rounds` (two sides,
each a run's steps, in alternating Locust rounds).
"""
