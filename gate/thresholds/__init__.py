"""The thresholds file: its YAML parser (`parser`) and its JSON schema (`schema/`).

Turns a user's file into `gate.core.rules.Thresholds`, with file, line, key and fix in
every error.
"""
