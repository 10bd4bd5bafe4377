"""Shared file handling for every edge: the positioned YAML loader (`yamlfile`) and the
one atomic writer (`atomic`)."""
