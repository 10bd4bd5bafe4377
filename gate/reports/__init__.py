"""What people and machines read: console table, report.md, verdict.json, junit.xml.

`context` holds `ReportContext`, the input of every renderer, and the value formatting they
share. One renderer per sink: `console` (the table in the CI log), `verdictfile`
(verdict.json), `markdown` (report.md, and the Jinja2 environment), `junit` (junit.xml) and
`review` (the PR comment and job summary); `baselinefit` prepares the baseline's
comparability line and `grouptable` the groups table both show, and `pairs` the data of
`run --against-ref`'s comparison; `stagetable` prepares report.md's per-stage table,
`resources` its section on the backend's resources (its template is
`templates/resources.md.j2`) and `readings` its section on the metrics read from URLs.
Rendering is pure (text in, text out);
`gate.commands.checking` writes the files.

`escape` makes text from the run (endpoint names, failure messages) inert in each sink; each
renderer applies it, per sink, before any template sees the text. `safestream` passes every
console line through it; `templates/` holds the Jinja2 templates.
"""
