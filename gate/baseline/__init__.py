"""Baselines: stores of earlier runs and the comparison with them.

The stores: `storespec` (the store string, parsed once at the edge into a typed
`StoreSpec`: a file, a directory or a `git:` data branch), `store` (the one interface,
read/save/prune, and the one place a kind is chosen; the file and git stores),
`dirstore` (a history in a directory), `layout` (a history's tree and the pure decisions
about it: entry names, order, pruning), `plainfiles` (file I/O at the trust boundary: no
links), `stored` (the versioned stored-run format, and which runs may be saved),
`gitstore` (the one module that runs git), `lineage` (the base branch's runs at or
before the merge-base), `machine` (the kind of machine a run is stored with), `ops`
(what the commands do with a store: save, list, prune, load). The pure comparison
(of the relative rules in `gate.core.relative`): `compare` (a baseline turned into
checks, reading each value with `gate.core.reading`),
`shift` (the latency a busy machine adds to every endpoint of a run). `trend`: a history's
comparable runs as tables, Mermaid charts and step changes.
"""
