"""The judging core: pure functions and frozen data, no I/O.

`model` (what a run measured), `histogram` (Locust's bucketing and percentile rule), `names`
(request names with ids and query strings grouped into endpoints), `units` (parsing and
formatting values), `rules` (the rule primitives: levels, units, bounds, metrics, limits,
matchers), `ruleset` (a thresholds file as data: `Thresholds`), `sections` (the rules of the
sections with a kind of their own: groups, resources, metrics, abort), `relative` (the
`baseline:` section's rules and their defaults, and the stored runs compared with, as data),
`measure` (where a measured value comes from: `Subject`, the `Measurement` protocol and the
table of every metric's source), `judging` (one rule against one measured value), `evaluate`
(one pass over every kind of check, `KINDS`) over `inputs` (what the pass reads), `absolute`
(the top level's own kinds: the run, endpoints, required endpoints, the aggregate,
exceptions), `compare` (the run against its stored runs: the relative kind of check) with
`relativecheck` (one relative rule on one entry), `shift` (the latency a busy machine adds
to every endpoint of a run), `groups` (endpoints judged together, from their merged
histograms), `stages` (the checks of a stage's own figures), `resources` (the backend's
process tree judged: peak memory, mean CPU, connections, the leak rule), `external` (numbers
read from a URL: the `metrics:` section's checks), `paired` (head against base from paired
same-runner rounds: a Hodges-Lehmann change with its signed-rank interval), `pooling`
(several runs as one: the head's rounds, and `run --repeat`'s runs kept for their medians),
`abort` (the `abort:` rules and their windows), `verdict` (checks -> pass/warn/fail), `thin`
(checks too thin to judge: reported, and a run that judged nothing never passes), `reading`
(one value against its history: bucket resolution, the requests a metric needs, the noise
band), `comparability` (how far a stored baseline is comparable: which runs, their age,
coverage, machine) and `userregex` (users' patterns on a linear-time engine). Everything
that reads or writes files lives at the edges: `gate.results`, `gate.thresholds`,
`gate.reports`, `gate.baseline`.
"""
