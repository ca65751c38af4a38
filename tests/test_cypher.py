"""The named Cypher queries: they parse, are used, get exactly their parameters, and EXPLAIN on a live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netinv.errors import QueryError
from netinv.store.cypher import QueryBook, cypher_dir, default_book, parse_cypher

from .conftest import ROOT, open_test_store

BOOK = default_book()


def test_every_query_has_a_doc_or_a_file_comment_and_sane_params():
    for q in BOOK.values():
        assert q.text and not q.text.endswith(";")
        assert all(re.fullmatch(r"[a-z_]+", p) for p in q.params), q.name


def test_every_query_is_used_by_the_code():
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "netinv").rglob("*.py"))
    unused = [name for name in BOOK if f'"{name}"' not in code and f"'{name}'" not in code
              and not (name.endswith("_new") and f'"{name[:-4]}"' in code)]
    assert unused == []


def test_every_query_the_code_names_exists():
    # the queries the Neo4j store runs by name, and the read queries it picks from a table
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "netinv" / "store").glob("*.py"))
    named = set(re.findall(r'_(?:run|run_auto|df|grouped|batched)\(\s*"([a-z_]+)"', code))
    named |= set(re.findall(r'"((?:read|aggregate)_[a-z_]+)"', code))
    assert len(named) > 40 and sorted(named - set(BOOK)) == []


def test_no_value_is_built_into_query_text():
    """Statements are fixed text: netinv never formats Cypher (no f-strings or % with MATCH/CREATE)."""
    offenders = []
    for p in (ROOT / "netinv").rglob("*.py"):
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"f[\"'].*(\bMERGE\b|\bUNWIND\b|MATCH \(|CREATE \()", line):
                offenders.append(f"{p.name}:{i}")
    assert offenders == []


def test_parameters_are_checked():
    q = BOOK["read_calls"]
    assert q.params == {"since", "until"}
    with pytest.raises(QueryError, match=r"read_calls \(read.cypher:\d+\): missing \$until; unexpected \$x"):
        q.check({"since": 1, "x": 2})


@pytest.mark.parametrize("text,match", [
    ("// name: read_x\nMATCH (n) RETURN n\n", r"read_x \(bad.cypher:1\): statement does not end"),
    ("MATCH (n) RETURN n;\n", r"\? \(bad.cypher:1\): text outside a named query"),
    ("// name: ReadX\nRETURN 1;\n", r"ReadX \(bad.cypher:1\): query names are verb_object"),
])
def test_parse_errors_name_file_and_line(text, match):
    with pytest.raises(QueryError, match=match):
        parse_cypher(text, "bad.cypher")


def test_duplicate_names_are_refused(tmp_path):
    (tmp_path / "a.cypher").write_text("// name: read_x\nRETURN 1;\n", encoding="utf-8")
    (tmp_path / "b.cypher").write_text("\n// name: read_x\nRETURN 2;\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"read_x \(b.cypher:3\): name already used at a.cypher:2"):
        QueryBook.load(tmp_path)


def test_doc_comments_are_kept():
    assert "load_id" in BOOK["delete_load_calls"].doc or BOOK["delete_load_calls"].doc


def test_cypher_folder_ships_in_the_wheel(tmp_path):
    import subprocess
    import sys
    import zipfile

    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                        str(tmp_path), str(ROOT)], capture_output=True, text=True)
    if r.returncode != 0 and "hatchling" in r.stderr:
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wheel = next(tmp_path.glob("netinv-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for f in Path(cypher_dir()).glob("*.cypher"):
        assert f"netinv/cypher/{f.name}" in names
    assert "netinv/views/templates/page.html" in names


@pytest.mark.neo4j
def test_every_query_explains_on_the_live_server(tmp_path):
    st = open_test_store("neo4j", tmp_path)
    try:
        failures = []
        with st.driver.session(database=st.database) as s:
            for q in BOOK.values():
                if q.name.startswith(("create_", "await_")) and q.name.endswith(("_key", "_index", "_indexes")):
                    continue  # schema commands cannot be EXPLAINed; they run at every connection
                params = {p: None for p in q.params}
                try:
                    s.run("EXPLAIN " + q.text, params).consume()
                except Exception as e:  # noqa: BLE001 - collect every failure
                    failures.append(f"{q.name} ({q.location}): {e}")
        assert failures == []
    finally:
        st.close()
