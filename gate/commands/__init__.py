"""One module per subcommand (`check`, `run`, `baseline`, `comment`, `thresholds` with
`suggest`, `trend`), each thin click wiring.

`checking` is the shared step of `check` and `run`: load results, evaluate, write reports;
`rounds` is `run --against-ref` (the same-runner comparison), as `run` wires it.
`storeoption` is the click type of every store option: the string parsed where it enters.
"""
