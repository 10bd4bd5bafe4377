"""Shared file handling for every edge: the positioned YAML loader (`yamlfile`)."""
