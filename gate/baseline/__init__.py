"""Baselines: stores of earlier runs, loaded for the comparison, and their trends.

The stores: `store` (one name for a file, a directory, or a `git:` data branch),
`stored` (the versioned stored-run format, and which runs may be saved), `gitstore` (the
one module that runs git), `ops` (what the commands do with a store: save, list, prune,
load). The comparison itself is pure and lives in the core (`gate.core.compare`, with
`gate.core.shift` and `gate.core.reading`): this package only loads the runs it reads.
`trend`: a history's comparable runs as tables, Mermaid charts and step changes.
"""
