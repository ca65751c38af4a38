"""The embedded store: one DuckDB file per case workspace, no server needed.

Tables: one per record kind (``calls``, ``transfers``, ``holders``, ``arrests``, keyed by
``record_id``), ``provenance`` (record -> file, row, row hash, load), ``sources`` (one row per
distinct file content) and ``loads`` (the audit log, with the legal authority given).  Nodes
(phones, accounts, persons, cases) are derived from the records, so they can never disagree with
them.  Every write is one transaction: it completes, or the workspace stays as it was.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd
import pyarrow as pa

from .. import __version__
from ..adapters import Batch
from ..errors import StoreError, StoreUnavailable
from ..schema import RECORD_KINDS
from .base import (COUNT_KEYS, GraphStore, LoadResult, Window, count_handsets, edge_frame, new_decision_id,
                   new_load_id, number_decision_frame, typed_records)

__all__ = ["EmbeddedStore"]

SCHEMA_VERSION = "1"

_SQL_TYPES = {
    "phone": "VARCHAR", "account": "VARCHAR", "text": "VARCHAR", "id_number": "VARCHAR", "kind": "VARCHAR",
    "time": "TIMESTAMPTZ", "date": "DATE", "int": "BIGINT", "float": "DOUBLE",
}

_TIME_COLUMN = {"calls": "start", "transfers": "time", "arrests": "date", "holders": None}


def _ddl() -> list[str]:
    stmts = [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS loads (
            load_id VARCHAR, kind VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
            profile VARCHAR, authority VARCHAR, netinv_version VARCHAR, options VARCHAR,
            files BIGINT, records_read BIGINT, records_new BIGINT, provenance_new BIGINT, rejected BIGINT)""",
        """CREATE TABLE IF NOT EXISTS sources (
            file_sha256 VARCHAR, path VARCHAR, size BIGINT, encoding VARCHAR, kind VARCHAR, profile VARCHAR,
            rows BIGINT, accepted BIGINT, rejected BIGINT, load_id VARCHAR, last_load_id VARCHAR)""",
        """CREATE TABLE IF NOT EXISTS decisions (
            decision_id VARCHAR, a VARCHAR, b VARCHAR, same BOOLEAN, "by" VARCHAR, note VARCHAR,
            decided_at TIMESTAMPTZ, undone_at TIMESTAMPTZ)""",
        """CREATE TABLE IF NOT EXISTS number_decisions (
            decision_id VARCHAR, number VARCHAR, public BOOLEAN, "by" VARCHAR, note VARCHAR,
            decided_at TIMESTAMPTZ, undone_at TIMESTAMPTZ)""",
        """CREATE TABLE IF NOT EXISTS provenance (
            record_id VARCHAR, kind VARCHAR, file_sha256 VARCHAR, row BIGINT, row_sha256 VARCHAR, load_id VARCHAR)""",
    ]
    for kind, rk in RECORD_KINDS.items():
        cols = ["record_id VARCHAR NOT NULL"]
        for f in rk.fields:
            cols.append(f"{f.name} {_SQL_TYPES[f.type]}{' NOT NULL' if f.name in rk.core else ''}")
        if any(f.type == "id_number" for f in rk.fields):
            cols.append("id_number_valid BOOLEAN")
        cols.append("load_id VARCHAR")
        stmts.append(f"CREATE TABLE IF NOT EXISTS {kind} ({', '.join(cols)})")
    return stmts


#: columns of the audit tables that a workspace made by an earlier netinv lacks
_OPTIONAL_AUDIT_COLUMNS = {"sources": [("last_load_id", "VARCHAR")]}

#: Arrow string columns read as the canonical string dtype
_ARROW_STRINGS = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


class EmbeddedStore(GraphStore):
    """A case workspace in one DuckDB file (``path``), or in memory with ``path=":memory:"``.

    ``create=False`` refuses a path where no workspace exists yet, instead of creating an empty one
    (a mistyped path must not look like a case with no records).
    """

    def __init__(self, path: str | Path = "netinv.duckdb", *, read_only: bool = False, threads: int | None = None,
                 create: bool = True):
        self.path = str(path)
        self.uri = f"embedded:{self.path}"
        if self.path != ":memory:":
            full = Path(self.path).expanduser().resolve()
            if not full.parent.exists():
                raise StoreUnavailable(f"workspace folder does not exist: {full.parent}")
            if not create and not full.exists():
                raise StoreUnavailable(f"no workspace at {full}: records are loaded into one with "
                                       f"netinv load or netinv load-case --store embedded:{self.path}")
        try:
            config = {"threads": threads} if threads else {}
            self.con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.IOException as e:
            msg = str(e)
            if "lock" in msg.lower():
                raise StoreUnavailable(f"workspace {self.path} is in use by another netinv process") from e
            raise StoreUnavailable(f"cannot open workspace {self.path}: {msg}") from e
        except duckdb.Error as e:
            raise StoreUnavailable(f"cannot open workspace {self.path}: {e}") from e
        self.con.execute("SET TimeZone = 'UTC'")
        # Arrow results with large strings: the canonical string dtype holds them as they come, where
        # plain ones are copied into large ones first (0.3-2.9 s for the 2.5M calls of the benchmark case)
        self.con.execute("SET arrow_large_buffer_size = true")
        try:  # no progress bars in the terminal; inside Jupyter DuckDB refuses the setting without ipywidgets
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error:
            pass
        self.read_only = read_only
        if read_only:
            self._check_version()
            self._add_optional_columns()
        else:
            self._init_schema()

    def _check_version(self) -> None:
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if rows and rows[0][0] != SCHEMA_VERSION:
            raise StoreError(f"workspace {self.path} has schema version {rows[0][0]}; "
                             f"this netinv reads {SCHEMA_VERSION}")

    def _init_schema(self) -> None:
        for stmt in _ddl():
            self.con.execute(stmt)
        # fetchall, not fetchone: an unfinished result would block registering a frame next
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        have = rows[0] if rows else None
        if have is None:
            self.con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?), ('created_at', ?), ('created_by', ?)",
                [SCHEMA_VERSION, datetime.now(timezone.utc).isoformat(), f"netinv {__version__}"],
            )
        else:
            self._check_version()
        self._add_optional_columns()

    def _add_optional_columns(self) -> None:
        """Add the optional fields a workspace made by an earlier netinv lacks (such as a transfer's
        memo, or the last load of a file), empty on the rows it holds; every other column and row
        stays as it was.  Opened read-only, the workspace is not changed: a temporary view of each
        such table adds them."""
        have = set(map(tuple, self.con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'").fetchall()))
        wanted = {kind: [(f.name, _SQL_TYPES[f.type]) for f in rk.fields if f.name not in rk.core]
                  for kind, rk in RECORD_KINDS.items()}
        wanted.update(_OPTIONAL_AUDIT_COLUMNS)
        for table, columns in wanted.items():
            missing = [(name, sql_type) for name, sql_type in columns if (table, name) not in have]
            if not missing:
                continue
            if self.read_only:  # the names are the schema's, never data
                db = self.con.execute("SELECT current_database()").fetchone()[0].replace('"', '""')
                extra = ", ".join(f"NULL::{sql_type} AS {name}" for name, sql_type in missing)
                self.con.execute(f'CREATE TEMP VIEW {table} AS SELECT *, {extra} FROM "{db}".main.{table}')
                continue
            for name, sql_type in missing:
                self.con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")

    # --- writing ---------------------------------------------------------------------------
    def write(self, batch: Batch, *, authority: str | None = None, options: dict | None = None) -> LoadResult:
        kind = batch.kind
        rk = RECORD_KINDS[kind]
        load_id = new_load_id()
        started = datetime.now(timezone.utc)
        cols = ["record_id", *rk.field_names] + (["id_number_valid"] if "id_number_valid" in batch.records else [])
        recs = batch.records[cols].copy()
        recs["load_id"] = load_id
        prov = batch.provenance.copy()
        prov.insert(1, "kind", kind)
        prov["load_id"] = load_id
        srcs = pd.DataFrame(
            [
                {"file_sha256": s.sha256, "path": s.path, "size": s.size, "encoding": s.encoding, "kind": s.kind,
                 "profile": s.profile, "rows": s.rows, "accepted": s.accepted, "rejected": s.rejected,
                 "load_id": load_id, "last_load_id": load_id}
                for s in batch.sources
            ]
        )
        con = self.con
        try:
            con.execute("BEGIN TRANSACTION")
            con.register("_batch_records", recs)
            con.register("_batch_prov", prov)
            con.register("_batch_sources", srcs)
            existing = con.execute(
                f"SELECT count(*) FROM _batch_records b SEMI JOIN {kind} t ON t.record_id = b.record_id"
            ).fetchall()[0][0]
            con.execute(
                f"INSERT INTO {kind} ({', '.join(cols + ['load_id'])}) "
                f"SELECT {', '.join('b.' + c for c in cols + ['load_id'])} FROM _batch_records b "
                f"ANTI JOIN {kind} t ON t.record_id = b.record_id"
            )
            prov_new = con.execute(
                "SELECT count(*) FROM _batch_prov b ANTI JOIN provenance p "
                "ON p.record_id = b.record_id AND p.file_sha256 = b.file_sha256 AND p.row = b.row"
            ).fetchall()[0][0]
            con.execute(
                "INSERT INTO provenance SELECT b.record_id, b.kind, b.file_sha256, b.row, b.row_sha256, b.load_id "
                "FROM _batch_prov b ANTI JOIN provenance p "
                "ON p.record_id = b.record_id AND p.file_sha256 = b.file_sha256 AND p.row = b.row"
            )
            self._merge_sources(kind, batch.sources)
            if batch.call_ends is not None and len(batch.call_ends):
                # calls of the workspace without an end (cell and handset) take it from a row of this load
                with self._given("_batch_ends", batch.call_ends):
                    for cell, imei in (("cell_id", "imei"), ("callee_cell_id", "callee_imei")):
                        con.execute(
                            f"UPDATE calls SET {cell} = e.{cell}, {imei} = e.{imei} FROM _batch_ends e "
                            f"WHERE calls.record_id = e.record_id AND (e.{cell} IS NOT NULL OR e.{imei} IS NOT NULL) "
                            f"AND calls.{cell} IS NULL AND calls.{imei} IS NULL")
            result = LoadResult(
                load_id=load_id, kind=kind, files=len(batch.sources), records_read=len(recs),
                records_new=len(recs) - int(existing), records_existing=int(existing),
                provenance_new=int(prov_new), rejected=len(batch.problems), reasons=dict(batch.reasons),
                notes=list(batch.notes),
            )
            profile = ",".join(sorted({s.profile for s in batch.sources}))
            con.execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, kind, started, datetime.now(timezone.utc), profile, authority, __version__,
                 self._options_json(options), result.files, result.records_read, result.records_new,
                 result.provenance_new, result.rejected],
            )
            con.execute("COMMIT")
        except BaseException as e:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            if isinstance(e, duckdb.Error):
                raise StoreError(f"writing {kind} to {self.path} failed, nothing was changed: {e}") from e
            raise
        finally:
            for name in ("_batch_records", "_batch_prov", "_batch_sources"):
                try:
                    con.unregister(name)
                except duckdb.Error:
                    pass
        return result

    def _merge_sources(self, kind: str, files: list) -> None:
        """The load's files (registered as ``_batch_sources``) in ``sources``, inside the load's
        transaction.  A file read before keeps where and when it was first read and takes this
        load's profile and the counts of its rows now: ``accepted``, the rows that some load took
        (its rows in the provenance); ``rejected``, those of this load's rejected rows that no load
        took.  A file read again with other options (a time zone, a region, another ``--where``)
        is so described as the workspace holds it, not as its first load left it."""
        rejected = pd.DataFrame([(f.sha256, r) for f in files for r in f.rejected_rows],
                                columns=["file_sha256", "row"]).drop_duplicates()
        con = self.con
        with self._given("_batch_rejected", rejected.astype({"file_sha256": "string", "row": "int64"})):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _batch_counts AS "
                "WITH held AS (SELECT file_sha256, row FROM provenance WHERE kind = ? AND file_sha256 IN "
                "  (SELECT file_sha256 FROM _batch_sources)) "
                "SELECT f.file_sha256, "
                "  (SELECT count(DISTINCT h.row) FROM held h WHERE h.file_sha256 = f.file_sha256) AS accepted, "
                "  (SELECT count(*) FROM _batch_rejected r ANTI JOIN held h "
                "     ON h.file_sha256 = r.file_sha256 AND h.row = r.row "
                "   WHERE r.file_sha256 = f.file_sha256) AS rejected "
                "FROM (SELECT DISTINCT file_sha256 FROM _batch_sources) f", [kind])
        try:
            con.execute(
                "UPDATE sources SET profile = b.profile, rows = b.rows, accepted = c.accepted, rejected = c.rejected, "
                "last_load_id = b.last_load_id "
                "FROM (SELECT DISTINCT ON (file_sha256, kind) * FROM _batch_sources) b JOIN _batch_counts c "
                "USING (file_sha256) "
                "WHERE sources.file_sha256 = b.file_sha256 AND sources.kind = b.kind")
            con.execute(
                "INSERT INTO sources (file_sha256, path, size, encoding, kind, profile, rows, accepted, rejected, "
                "load_id, last_load_id) "
                "SELECT b.file_sha256, b.path, b.size, b.encoding, b.kind, b.profile, b.rows, c.accepted, c.rejected, "
                "b.load_id, b.last_load_id FROM _batch_sources b JOIN _batch_counts c USING (file_sha256) "
                "ANTI JOIN sources s ON s.file_sha256 = b.file_sha256 AND s.kind = b.kind")
        finally:
            con.execute("DROP TABLE IF EXISTS _batch_counts")

    # --- reading ---------------------------------------------------------------------------
    def _df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        try:
            return self.con.execute(sql, params or []).df()
        except duckdb.Error as e:
            raise StoreError(f"query on {self.path} failed: {e}") from e

    def _records(self, kind: str, sql: str, params: list) -> pd.DataFrame:
        """Records of ``kind`` as a query selects them, in record id order, typed.  Through Arrow:
        strings stay Arrow strings, where ``.df()`` would make millions of Python strings only for
        them to be converted back (on 2.5 million calls that and a sort in pandas took about 20 s)."""
        return typed_records(kind, self._arrow_df(sql + " ORDER BY record_id", params), ordered=True)

    def _arrow_df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query's result through Arrow, its strings kept as Arrow strings (see :meth:`_records`).
        Reading 1,118,537 call edges took 5.0 s through ``.df()`` (sort included), 2.6 s so."""
        try:
            rel = self.con.sql(sql, params=params or None)
            table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.fetch_arrow_table()
        except duckdb.Error as e:
            raise StoreError(f"query on {self.path} failed: {e}") from e
        return table.to_pandas(types_mapper=_ARROW_STRINGS.get)

    def counts(self, imeis: pd.DataFrame | None = None) -> dict[str, int]:
        q = """
        SELECT
          (SELECT count(*) FROM calls) AS calls,
          (SELECT count(*) FROM transfers) AS transfers,
          (SELECT count(*) FROM holders) AS holders,
          (SELECT count(*) FROM arrests) AS arrests,
          (SELECT count(DISTINCT v) FROM (
              SELECT caller AS v FROM calls UNION ALL SELECT callee FROM calls
              UNION ALL SELECT phone FROM holders UNION ALL SELECT phone FROM arrests) WHERE v IS NOT NULL) AS phones,
          (SELECT count(DISTINCT v) FROM (
              SELECT payer_account AS v FROM transfers UNION ALL SELECT payee_account FROM transfers
              UNION ALL SELECT account FROM holders UNION ALL SELECT account FROM arrests)
           WHERE v IS NOT NULL) AS accounts,
          (SELECT count(DISTINCT v) FROM (
              SELECT person_id AS v FROM holders UNION ALL SELECT person_id FROM arrests)) AS persons,
          (SELECT count(DISTINCT case_id) FROM arrests) AS cases,
          (SELECT count(*) FROM provenance) AS provenance,
          (SELECT count(*) FROM sources) AS files
        """
        out = {k: int(v) for k, v in self._df(q).iloc[0].items()}
        out["devices"] = count_handsets((self.imei_values() if imeis is None else imeis)["imei"])
        return {k: out[k] for k in COUNT_KEYS}

    def imei_values(self) -> pd.DataFrame:
        df = self._df("SELECT v AS imei, count(*) AS ends FROM (SELECT imei AS v FROM calls UNION ALL "
                      "SELECT callee_imei FROM calls) WHERE v IS NOT NULL GROUP BY v ORDER BY v")
        return df.astype({"imei": "string", "ends": "int64"})

    def sources(self) -> pd.DataFrame:
        return self._df(
            "SELECT s.path, s.file_sha256, s.size, s.encoding, s.kind, s.profile, s.rows, s.accepted, s.rejected, "
            "s.rows - s.accepted - s.rejected AS left_out, l.finished_at AS loaded_at, l.authority, s.load_id, "
            "coalesce(s.last_load_id, s.load_id) AS last_load_id, "
            "coalesce(ll.finished_at, l.finished_at) AS last_loaded_at "
            "FROM sources s LEFT JOIN loads l USING (load_id) LEFT JOIN loads ll ON ll.load_id = s.last_load_id "
            "ORDER BY loaded_at, s.path"
        )

    def loads(self) -> pd.DataFrame:
        return self._df("SELECT * FROM loads ORDER BY started_at")

    def records(self, kind: str, window: Window | None = None) -> pd.DataFrame:
        if kind not in RECORD_KINDS:
            raise StoreError(f"unknown record kind {kind!r}")
        sql, params = f"SELECT * EXCLUDE (load_id) FROM {kind}", []
        tcol = _TIME_COLUMN[kind]
        if window is not None and tcol is not None:
            lo, hi = window.bounds
            if kind == "arrests":
                sql += f" WHERE {tcol} >= CAST(? AS DATE) AND {tcol} < CAST(? AS DATE)"
                params = [d.isoformat() for d in (window or Window()).date_bounds]
            else:
                sql += f" WHERE {tcol} >= ? AND {tcol} < ?"
                params = [lo, hi]
        return self._records(kind, sql, params)

    @contextmanager
    def _given(self, name: str, frame: pd.DataFrame):
        """``frame`` as the table ``name`` for the queries run inside."""
        self.con.register(name, frame)
        try:
            yield
        finally:
            self.con.unregister(name)

    def calls_between(self, pairs: pd.DataFrame, window: Window | None = None) -> pd.DataFrame:
        lo, hi = (window or Window()).bounds
        with self._given("_want_pairs", pairs[["caller", "callee"]].drop_duplicates().astype("string")):
            return self._records(
                "calls", "SELECT c.* EXCLUDE (load_id) FROM calls c SEMI JOIN _want_pairs w "
                "ON c.caller = w.caller AND c.callee = w.callee WHERE c.start >= ? AND c.start < ?", [lo, hi])

    def calls_of(self, numbers: Iterable[str], window: Window | None = None) -> pd.DataFrame:
        lo, hi = (window or Window()).bounds
        with self._given("_want_numbers", pd.DataFrame({"number": pd.Series(sorted(set(numbers)), dtype="string")})):
            return self._records(
                "calls", "SELECT * EXCLUDE (load_id) FROM calls WHERE (caller IN (SELECT number FROM _want_numbers)"
                " OR callee IN (SELECT number FROM _want_numbers)) AND start >= ? AND start < ?", [lo, hi])

    def phone_handsets(self) -> pd.DataFrame:
        df = self._df("SELECT DISTINCT imei, phone FROM ("
                      "SELECT imei, caller AS phone FROM calls UNION ALL SELECT callee_imei, callee FROM calls) "
                      "WHERE imei IS NOT NULL ORDER BY imei, phone")
        return df.astype("string")

    def record_files(self) -> pd.DataFrame:
        return self._df("SELECT DISTINCT record_id, file_sha256 FROM provenance")

    def provenance(self, record_ids: Iterable[str] | None = None, *, kind: str | None = None) -> pd.DataFrame:
        if kind is not None and kind not in RECORD_KINDS:
            raise StoreError(f"unknown record kind {kind!r}")
        sql = (
            "SELECT p.record_id, p.kind, s.path, p.file_sha256, p.row, p.row_sha256, l.finished_at AS loaded_at, "
            "l.authority, p.load_id FROM provenance p "
            "LEFT JOIN (SELECT DISTINCT ON (file_sha256) file_sha256, path FROM sources) s USING (file_sha256) "
            "LEFT JOIN loads l ON l.load_id = p.load_id"
        )
        where, params = (" WHERE p.kind = ?", [kind]) if kind else ("", [])
        order = " ORDER BY p.record_id, s.path, p.row"
        if record_ids is None:
            return self._df(sql + where + order, params)
        with self._given("_want_ids", pd.DataFrame({"record_id": pd.Series(list(record_ids), dtype="string")})):
            return self._df(sql + " SEMI JOIN _want_ids w ON w.record_id = p.record_id" + where + order, params)

    def layer_edges(self, layer: str, window: Window | None = None) -> pd.DataFrame:
        lo, hi = (window or Window()).bounds
        if layer == "calls":
            sql = """
            SELECT caller AS source, callee AS target, count(*) AS count, CAST(sum(duration_s) AS BIGINT) AS duration_s,
                   NULL::DOUBLE AS amount, NULL::VARCHAR AS currency, min(start) AS first, max(start) AS last
            FROM calls WHERE start >= ? AND start < ? GROUP BY caller, callee"""
            params = [lo, hi]
        elif layer == "money":
            sql = """
            SELECT payer_account AS source, payee_account AS target, count(*) AS count, NULL::BIGINT AS duration_s,
                   sum(amount) AS amount,
                   CASE WHEN count(DISTINCT currency) = 1 THEN min(currency) ELSE 'MIXED' END AS currency,
                   min(time) AS first, max(time) AS last
            FROM transfers WHERE time >= ? AND time < ? GROUP BY payer_account, payee_account"""
            params = [lo, hi]
        elif layer == "co_arrest":
            sql = """
            WITH a AS (SELECT DISTINCT case_id, person_id, date FROM arrests
                       WHERE date >= CAST(? AS DATE) AND date < CAST(? AS DATE))
            SELECT x.person_id AS source, y.person_id AS target, count(DISTINCT x.case_id) AS count,
                   NULL::BIGINT AS duration_s, NULL::DOUBLE AS amount, NULL::VARCHAR AS currency,
                   CAST(min(least(x.date, y.date)) AS TIMESTAMPTZ) AS first,
                   CAST(max(greatest(x.date, y.date)) AS TIMESTAMPTZ) AS last
            FROM a x JOIN a y ON x.case_id = y.case_id AND x.person_id <> y.person_id
            GROUP BY x.person_id, y.person_id"""
            params = [d.isoformat() for d in (window or Window()).date_bounds]
        else:
            raise StoreError(f"unknown layer {layer!r}; layers are calls, money, co_arrest")
        return edge_frame(self._arrow_df(sql + " ORDER BY source, target", params))

    _LAYER_NODES = {
        "calls": "SELECT caller AS id FROM calls WHERE start >= ? AND start < ? "
                 "UNION SELECT callee FROM calls WHERE start >= ? AND start < ?",
        "money": "SELECT payer_account AS id FROM transfers WHERE time >= ? AND time < ? "
                 "UNION SELECT payee_account FROM transfers WHERE time >= ? AND time < ?",
    }

    def layer_nodes(self, layer: str, window: Window | None = None) -> pd.Series:
        if layer not in self._LAYER_NODES:  # co-arrests: a small layer, read as edges
            return super().layer_nodes(layer, window)
        lo, hi = (window or Window()).bounds
        ids = self._df(self._LAYER_NODES[layer], [lo, hi, lo, hi])["id"]
        return pd.Series(sorted(ids.tolist()), dtype="string")

    def record_decision(self, a: str, b: str, same: bool, *, by: str | None = None, note: str | None = None) -> str:
        did = new_decision_id()
        a, b = sorted((str(a), str(b)))
        try:
            self.con.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                             [did, a, b, bool(same), by, note, datetime.now(timezone.utc)])
        except duckdb.Error as e:
            raise StoreError(f"recording a decision in {self.path} failed: {e}") from e
        return did

    def undo_decision(self, decision_id: str) -> None:
        for table in ("decisions", "number_decisions"):
            n = self.con.execute(f"SELECT count(*) FROM {table} WHERE decision_id = ? AND undone_at IS NULL",
                                 [decision_id]).fetchall()[0][0]
            if n:
                self.con.execute(f"UPDATE {table} SET undone_at = ? WHERE decision_id = ?",
                                 [datetime.now(timezone.utc), decision_id])
                return
        raise StoreError(f"no active decision {decision_id!r} in {self.path}")

    def decisions(self, active: bool = True) -> pd.DataFrame:
        sql = 'SELECT decision_id, a, b, same, "by", note, decided_at, undone_at FROM decisions'
        if active:
            sql += " WHERE undone_at IS NULL"
        return self._df(sql + " ORDER BY decided_at, decision_id")

    def record_number_decision(self, number: str, public: bool, *, by: str | None = None,
                               note: str | None = None) -> str:
        did = new_decision_id()
        try:
            self.con.execute("INSERT INTO number_decisions VALUES (?, ?, ?, ?, ?, ?, NULL)",
                             [did, str(number), bool(public), by, note, datetime.now(timezone.utc)])
        except duckdb.Error as e:
            raise StoreError(f"recording a decision in {self.path} failed: {e}") from e
        return did

    def number_decisions(self, active: bool = True) -> pd.DataFrame:
        sql = 'SELECT decision_id, number, public, "by", note, decided_at, undone_at FROM number_decisions'
        if active:
            sql += " WHERE undone_at IS NULL"
        exists = self.con.execute("SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_name = 'number_decisions'").fetchall()[0][0]
        # a workspace made before number decisions existed and opened read-only has no such table
        return number_decision_frame(self._df(sql) if exists else None)

    def close(self) -> None:
        try:
            self.con.close()
        except duckdb.Error:
            pass

    def __repr__(self) -> str:
        return f"EmbeddedStore({self.path!r})"

