"""Graph stores: the embedded DuckDB workspace (default) and Neo4j over Bolt.

``open_store`` picks one from a URI:

- ``embedded:PATH`` (or a plain path): a case workspace file;
- ``bolt://HOST:PORT`` / ``neo4j://HOST:PORT``: a Neo4j server, credentials from
  ``NETINV_NEO4J_USER`` and ``NETINV_NEO4J_PASSWORD``;
- ``neo4j`` (the word alone): the Neo4j server ``NETINV_NEO4J_URI`` names (``scripts/neo4j-local
  start`` prints it), an error without it: never a workspace file called ``neo4j`` (that is
  ``embedded:neo4j``).

Without a URI, ``NETINV_STORE`` is used, and without that ``embedded:netinv.duckdb``.
"""

from __future__ import annotations

import os

from ..errors import StoreUnavailable
from .base import LAYERS, GraphStore, LoadResult, Window
from .embedded import EmbeddedStore

__all__ = ["GraphStore", "EmbeddedStore", "LoadResult", "Window", "LAYERS", "open_store", "DEFAULT_STORE"]

DEFAULT_STORE = "embedded:netinv.duckdb"

#: a store named by one of these words alone is the Neo4j server NETINV_NEO4J_URI names
_SERVER_WORDS = ("neo4j", "bolt")
_SERVER_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def open_store(uri: str | None = None, *, create: bool = True, **kwargs) -> GraphStore:
    """Open the store named by ``uri`` (see the module docstring).

    ``create=False``: an embedded workspace must already exist (commands that only read or analyse
    a case use this, so that a mistyped path is an error instead of a new, empty workspace). A Neo4j
    server's database always exists.
    """
    uri = uri or os.environ.get("NETINV_STORE") or DEFAULT_STORE
    if uri.strip().lower() in _SERVER_WORDS:
        named = os.environ.get("NETINV_NEO4J_URI", "")
        if not named.startswith(_SERVER_SCHEMES):
            raise StoreUnavailable(f"the store {uri.strip()!r} is the Neo4j server NETINV_NEO4J_URI names, and "
                                   + (f"that is {named!r}, no server URI" if named else "it is not set")
                                   + ": give the server's URI (bolt://HOST:PORT or neo4j://HOST:PORT) or set "
                                   "NETINV_NEO4J_URI (eval \"$(scripts/neo4j-local start)\" does); a workspace "
                                   f"file of that name is embedded:{uri.strip()}")
        uri = named
    if uri.startswith(_SERVER_SCHEMES):
        from .neo4j import Neo4jStore

        return Neo4jStore(uri, **kwargs)
    if uri.startswith("embedded:"):
        return EmbeddedStore(uri[len("embedded:"):], create=create, **kwargs)
    if "://" in uri:
        raise StoreUnavailable(f"unknown store URI {uri!r}; use embedded:PATH, bolt://HOST:PORT or neo4j://HOST:PORT")
    return EmbeddedStore(uri, create=create, **kwargs)
