"""Shared ground every layer stands on: DNS through an injected resolver, the organizational domain, results.

Nothing here imports another layer. ``dns/`` is the resolver interface and its implementations,
``orgdomain`` the Public Suffix List, ``result`` the ``Check``/``InputError`` values and their JSON,
``numbers`` and ``taglist`` small parsers the mechanisms share.
"""
