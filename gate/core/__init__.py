"""The judging core: pure functions and frozen data, no I/O.

`model` (what a run measured), `histogram` (Locust's bucketing and percentile rule), `names`
(request names with ids and query strings grouped into endpoints), `units` (parsing and
formatting values), `rules` (parsed thresholds), `relative` (the `baseline:` section's rules
and their defaults), `measure` (where a measured value comes from: `Subject` and the
`Measurement` protocol), `judging` (one rule against one measured value), `evaluate` (one
pass over every kind of check, `KINDS`), `verdict` (checks -> pass/warn/fail), `thin`
(checks too thin to judge: reported, and a run that judged nothing never passes), `reading`
(one value against its history: bucket resolution, the requests a metric needs, the noise
band), `userregex` (users' patterns on a linear-time engine) and `abort` (the `abort:` rules
and their windows). Everything that reads or writes files lives at the edges:
`gate.results`, `gate.thresholds`, `gate.reports`.
"""
