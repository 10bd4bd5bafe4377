"""Baselines: stores of earlier runs and the comparison with them.

The stores: `store` (one name for a file, a directory, or a `git:` data branch),
`stored` (the versioned stored-run format, and which runs may be saved), `gitstore` (the
one module that runs git), `ops` (what the commands do with a store: save, list, prune,
load). The pure comparison
(of the relative rules in `gate.core.relative`): `compare` (a baseline turned into
checks, reading each value with `gate.core.reading`),
`shift` (the latency a busy machine adds to every endpoint of a run). `trend`: a history's
comparable runs as tables, Mermaid charts and step changes.
"""
