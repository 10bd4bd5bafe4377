"""GitHub: the PR comment, the job summary, annotations and step outputs.

Home of everything that talks to the GitHub REST API or the Actions runner's files:
`runner` (the runner's environment and side channels: step outputs, summary,
annotations), `publish` (what `check` and `run` hand to them), `event` (which pull
request a run belongs to), `sticky` (the pure decisions about the one sticky comment),
`posting` (`locust-gate comment`'s flow), `artifact` (a fork-safe second stage's
downloaded report dir, read as hostile and re-rendered) and `api` (the one module that
calls the REST API, through PyGithub).
"""
