"""Baselines: stores of earlier runs, loaded for the comparison, and their trends.

The stores: `storespec` (the store string, parsed once at the edge into a typed
`StoreSpec`: a file, a directory or a `git:` data branch), `store` (the one interface,
read/save/prune, and the one place a kind is chosen; the file and git stores),
`dirstore` (a history in a directory), `layout` (a history's tree and the pure decisions
about it: entry names, order, pruning), `plainfiles` (file I/O at the trust boundary: no
links), `stored` (the versioned stored-run format, and which runs may be saved),
`gitstore` (the one module that runs git), `lineage` (the base branch's runs at or
before the merge-base), `machine` (the kind of machine a run is stored with), `ops`
(what the commands do with a store: save, list, prune, load). The comparison itself is
pure and lives in the core (`gate.core.compare`, with `gate.core.shift` and
`gate.core.reading`): this package only loads the runs it reads. `trend`: a history's
comparable runs as tables, Mermaid charts and step changes.
"""
