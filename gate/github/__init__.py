"""GitHub: the PR comment, the job summary, annotations and step outputs.

Home of everything that talks to the GitHub REST API or the Actions runner's files.
"""
