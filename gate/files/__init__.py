"""Shared file handling for every edge: the positioned YAML loader (`yamlfile`), the
bounded JSON decoder (`jsontext`), the one atomic writer (`atomic`) and the outputs a
command replaces, only ever its own (`outputs`)."""
