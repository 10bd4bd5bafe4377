"""Baselines: stores of earlier runs and the comparison with them (issue: baselines).

Home of the store (a file, a directory, or a `git:` data branch) and of the pure
comparison that turns a baseline into checks.
"""
