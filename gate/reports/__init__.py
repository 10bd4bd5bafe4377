"""What people and machines read: console table, report.md, verdict.json, junit.xml.

`context` holds `ReportContext`, the input of every renderer, and the value formatting
they share. One renderer per sink: `console` (the table in the CI log), `verdictfile`
(verdict.json), `markdown` (report.md, and the Jinja2 environment), `junit` (junit.xml)
and `review` (the PR comment and job summary); `pairs` prepares the data of
`run --against-ref`'s comparison for them. Rendering is pure (text in, text out);
`gate.commands.checking` writes the files.

`escape` makes text from the run (endpoint names, failure messages) inert in each sink;
each renderer applies it, per sink, before any template sees the text. `safestream`
passes every console line through it; `templates/` holds the Jinja2 templates.
"""
