"""The thresholds file: its YAML parser and its JSON schema (`schema/`).

Turns a user's file into `gate.core.ruleset.Thresholds`, with file, line, key and fix in every
error. Split along the file's sections: `parser` (reading the file, the top level,
`defaults` and `aggregate`), `limits` (one metric's limits, `min-requests`), `endpoints`
(the overrides and their matchers), `relative` (the `baseline:` section, loaded only for a
file that has one), `groups` (the `groups:` section: endpoints judged together), `stages`
(the `stages:` section: rules per stage), `resources` (the `resources:` section: the
backend's process tree), `metrics` (the `metrics:` section: numbers read from URLs), `abort`
(the `abort:` section) and `keys` (the allowed keys and the error context). `init` writes a
first, commented file from one run or several (`locust-gate thresholds init`, and
`thresholds suggest` from a store's runs).
"""
