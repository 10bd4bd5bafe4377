"""The composite GitHub Action's glue (action.yml at the repository root): its inputs
(`inputs`: the run inputs are the rows of `gate.harness.settings` that carry an
`ActionInput`, the Action's own inputs are enums where the set is closed) and its steps
(`steps`, which print, annotate and write outputs through `gate.github.runner` and
`gate.reports.escape`)."""
