"""The composite GitHub Action's glue (action.yml at the repository root): its inputs
and how they map onto `locust-gate run` (`inputs`), and its steps (`steps`)."""
