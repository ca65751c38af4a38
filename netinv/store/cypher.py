"""Named Cypher queries, read once from ``cypher/*.cypher``.

File format (after aiosql): a statement starts after a ``// name: verb_object`` line; the comment
lines just above that line are its documentation; it ends with ``;`` at the end of a line.  Values
are always ``$parameters``; each query declares the parameters it uses, and :meth:`Query.check`
refuses a call that passes more or fewer.  Errors name the query and its ``file:line``.

>>> book = QueryBook.load()                          # doctest: +SKIP
>>> book["read_calls"].params                        # doctest: +SKIP
frozenset({'since', 'until'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import QueryError

__all__ = ["Query", "QueryBook", "cypher_dir", "parse_cypher", "default_book"]

_NAME = re.compile(r"^//\s*name:\s*(\S+)\s*$")
_VALID_NAME = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class Query:
    """One named statement: its text, documentation, origin and declared parameters."""

    name: str
    text: str
    doc: str
    file: str
    line: int
    params: frozenset[str]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def check(self, params: dict) -> None:
        """Refuse parameters that differ from the declared ones."""
        given = set(params)
        if given != self.params:
            missing = sorted(self.params - given)
            extra = sorted(given - self.params)
            parts = []
            if missing:
                parts.append(f"missing {', '.join('$' + m for m in missing)}")
            if extra:
                parts.append(f"unexpected {', '.join('$' + x for x in extra)}")
            raise QueryError(self.name, self.location, "; ".join(parts))


def parse_cypher(text: str, file: str) -> list[Query]:
    """Parse one ``.cypher`` file into queries; raises :class:`QueryError` with ``file:line``."""
    queries: list[Query] = []
    doc: list[str] = []
    current: str | None = None
    start = 0
    body: list[str] = []
    header_line = 0
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        m = _NAME.match(line.strip())
        if m:
            if current is not None:
                raise QueryError(current, f"{file}:{header_line}", "statement does not end with ';'")
            current, header_line, start, body = m.group(1), i, i + 1, []
            if not _VALID_NAME.match(current):
                raise QueryError(current, f"{file}:{i}", "query names are verb_object in snake_case")
            continue
        if current is None:
            stripped = line.strip()
            if stripped.startswith("//"):
                doc.append(stripped[2:].strip())
            elif not stripped:
                doc = []  # a blank line separates file comments from a query's own doc
            else:
                raise QueryError("?", f"{file}:{i}", "text outside a named query (add a '// name:' line)")
            continue
        if not body and not line.strip():
            start = i + 1
            continue
        body.append(line)
        if line.endswith(";"):
            stmt = "\n".join(body)[:-1].strip()
            if not stmt:
                raise QueryError(current, f"{file}:{header_line}", "empty statement")
            params = frozenset(_PARAM.findall(_STRING.sub("''", stmt)))
            queries.append(Query(current, stmt, " ".join(doc).strip(), file, start, params))
            current, doc, body = None, [], []
    if current is not None:
        raise QueryError(current, f"{file}:{header_line}", "statement does not end with ';'")
    return queries


def cypher_dir() -> Path:
    """The query folder: inside the installed package (wheel), else the repository's ``cypher/``."""
    packaged = resources.files("netinv") / "cypher"
    if packaged.is_dir():
        return Path(str(packaged))
    repo = Path(__file__).resolve().parents[2] / "cypher"
    if repo.is_dir():
        return repo
    raise FileNotFoundError("netinv's cypher/ folder is missing from this installation")


class QueryBook(dict):
    """All named queries by name."""

    @classmethod
    def load(cls, folder: Path | None = None) -> "QueryBook":
        folder = folder or cypher_dir()
        book = cls()
        for path in sorted(folder.glob("*.cypher")):
            for q in parse_cypher(path.read_text(encoding="utf-8"), path.name):
                if q.name in book:
                    raise QueryError(q.name, q.location, f"name already used at {book[q.name].location}")
                book[q.name] = q
        return book

    def __missing__(self, name: str):
        raise QueryError(name, "?", "no query of this name in cypher/")


@lru_cache(maxsize=1)
def default_book() -> QueryBook:
    return QueryBook.load()


