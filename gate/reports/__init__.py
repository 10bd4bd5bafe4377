"""What people and machines read: console table, report.md, verdict.json, junit.xml.

`report` renders a verdict for every sink; `escape` makes text from the run inert in each
sink; `templates/` holds the Jinja2 templates.
"""
