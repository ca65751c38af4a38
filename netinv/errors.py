"""Exceptions raised by netinv.

Every error derives from :class:`NetinvError`.  Subclasses name what the caller can act on;
foreign errors (DuckDB, the Neo4j driver, file I/O) are wrapped where they arise with
``raise ... from e`` so the original stays in the traceback.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = [
    "NetinvError",
    "ProfileError",
    "SourceError",
    "RowProblem",
    "InvalidRecords",
    "StoreUnavailable",
    "StoreError",
    "QueryError",
    "NodeNotFound",
    "NoRouteFound",
    "check_count",
]


class NetinvError(Exception):
    """Base class of every error netinv raises on purpose."""


def check_count(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int, or :class:`NetinvError` naming ``name`` when it is not a whole number >= ``minimum``."""
    whole = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) \
        and value == int(value)
    if not whole or value < minimum:
        raise NetinvError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


class ProfileError(NetinvError):
    """A profile, a column mapping or an option cannot be used (bad name, bad TOML, missing field)."""


class SourceError(NetinvError):
    """A whole input file cannot be read: missing, unreadable, wrong encoding, missing column."""

    def __init__(self, path: str, reason: str, row: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.row = row
        where = f"{self.path}, row {row}" if row is not None else self.path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class RowProblem:
    """One rejected input row: where it is, why it was rejected, and its raw values."""

    file: str
    row: int
    reason: str
    values: dict

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}: {self.reason}"


class InvalidRecords(NetinvError):
    """Some input rows failed validation.  ``problems`` holds every failing row (nothing is lost)."""

    def __init__(self, problems: Sequence[RowProblem], hint: str = ""):
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        extra = f"\n  ... and {more} more" if more > 0 else ""
        tail = f"\n{hint}" if hint else ""
        super().__init__(
            f"{len(self.problems)} invalid record(s); nothing was loaded:\n{shown}{extra}{tail}"
        )

    @property
    def first(self) -> RowProblem:
        return self.problems[0]


class StoreUnavailable(NetinvError):
    """The graph store cannot be reached or opened (server down, wrong password, locked file)."""


class StoreError(NetinvError):
    """The store refused an operation (schema mismatch, failed write)."""


class QueryError(NetinvError):
    """A named Cypher query failed; the message names the query and its ``file:line``."""

    def __init__(self, name: str, location: str, reason: str):
        self.name = name
        self.location = location
        self.reason = reason
        super().__init__(f"query {name} ({location}): {reason}")


class NodeNotFound(NetinvError):
    """An identifier given by the user is not in the network."""

    def __init__(self, ids: Iterable[str], where: str = "the network"):
        self.ids = list(ids)
        super().__init__(f"not found in {where}: {', '.join(map(str, self.ids))}")


class NoRouteFound(NetinvError):
    """No path joins the requested nodes under the given constraints."""
