"""The Neo4j store: the same interface as the embedded store, over Bolt with the official driver.

Graph model (labels PascalCase, relationship types UPPER_SNAKE, properties = the frame columns):

- ``(:Phone {number})-[:CALLED {record_id, start, duration_s, kind, cell_id, imei, callee_cell_id,
  callee_imei}]->(:Phone)``
- ``(:Account {number})-[:PAID {record_id, amount, currency, time, channel, ...}]->(:Account)``
- ``(:Person {person_id})-[:USES]->(:Phone)``, ``-[:HOLDS]->(:Account)`` (holders records, and the
  phone and account found at an arrest, marked ``origin``)
- ``(:Person)-[:ARRESTED_IN {record_id, date, charge, drug, quantity_g, ...}]->(:Case {case_id})``
- ``(:Phone)-[:SEEN_AT]->(:Location {cell_id})``, ``(:Phone)-[:INSERTED_IN]->(:Device {imei})`` (from
  either end of its calls)
- ``(:Load)`` (the audit log) and ``(:Source)`` (one per file content).

Every record relationship carries ``provenance``: entries ``file_sha256|row|row_sha256|load_id``.
Statements live in ``cypher/*.cypher`` (see :mod:`netinv.store.cypher`); values are always
parameters.  Writes are batched (``UNWIND $rows``) through ``execute_query``, one transaction per
batch, and idempotent, so a load interrupted by a dead server is completed by running it again.
A load that fails while the server is up is undone.  Credentials come from
``NETINV_NEO4J_USER`` / ``NETINV_NEO4J_PASSWORD`` and are never printed.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import QueryError, StoreError, StoreUnavailable
from ..normalize import handset_keys
from ..schema import RECORD_KINDS
from .base import (COUNT_KEYS, DECISION_COLUMNS, GraphStore, Window, count_handsets, edge_frame, new_decision_id,
                   new_load_id, number_decision_frame, typed_records)
from .cypher import QueryBook, default_book
from .neo4j_write import TYPE_KIND, Neo4jWriting

__all__ = ["Neo4jStore"]

#: the fields of each call in a row of read_calls (its caller is the row's)
_CALL_ROW = ["record_id", "callee", "start_us", "duration_s", "kind", "cell_id", "imei", "callee_cell_id",
             "callee_imei"]

#: the fields of each transfer in a row of read_transfers (its payer is the row's)
_TRANSFER_ROW = ["record_id", "payee_account", "amount", "currency", "time_us", "channel", "payer_name",
                 "payee_name", "reference", "memo"]

_SCHEMA_QUERIES = [
    "create_phone_key", "create_account_key", "create_person_key", "create_case_key", "create_location_key",
    "create_device_key", "create_device_handset_index", "create_load_key", "create_source_key", "create_called_key",
    "create_paid_key",
    "create_uses_key", "create_holds_key", "create_arrested_in_key", "create_decision_key",
    "create_number_decision_key", "create_uses_load_index", "create_holds_load_index", "create_arrested_in_load_index",
]
_FAR_PAST = datetime(1, 1, 2, tzinfo=timezone.utc)
_FAR_FUTURE = datetime(9999, 12, 30, tzinfo=timezone.utc)


def _redact(uri: str) -> str:
    """The URI without any user:password part."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class Neo4jStore(Neo4jWriting, GraphStore):
    """A case graph in Neo4j (``bolt://`` or ``neo4j://``).

    Calls and transfers are written by ``writers`` concurrent transactions (default: the
    ``NETINV_NEO4J_WRITERS`` environment variable, else 2): the server creates relationships on more
    than one core while the next batches are prepared; ``writers=1`` writes batch after batch.

    ``driver`` replaces the official driver's own: the tests pass one that records each query on
    its way to the real server (and can drop the connection at a named query).

    A user name or password inside the URI is refused: they come from ``NETINV_NEO4J_USER`` and
    ``NETINV_NEO4J_PASSWORD`` (a URI is shown in messages, shell history and process lists).
    """

    def __init__(self, uri: str, *, user: str | None = None, password: str | None = None,
                 database: str | None = None, batch_size: int = 20_000, writers: int | None = None,
                 queries: QueryBook | None = None, driver=None):
        import neo4j

        self._neo4j = neo4j
        self.uri = _redact(uri)
        if urlsplit(uri).username is not None:  # "user@host" and "user:password@host" alike
            raise StoreUnavailable(f"the URI of Neo4j at {self.uri} carries a user name or password: give them in "
                                   "NETINV_NEO4J_USER and NETINV_NEO4J_PASSWORD, not in the URI")
        self.database = database or os.environ.get("NETINV_NEO4J_DATABASE") or None
        self.batch_size = batch_size
        if writers is None:
            env = os.environ.get("NETINV_NEO4J_WRITERS", "2")
            if not env.isdigit() or int(env) < 1:
                raise StoreError(f"NETINV_NEO4J_WRITERS must be a whole number from 1 up, not {env!r}")
            writers = int(env)
        self.writers = max(1, int(writers))
        self.q = queries or default_book()
        user = user or os.environ.get("NETINV_NEO4J_USER", "neo4j")
        password = password if password is not None else os.environ.get("NETINV_NEO4J_PASSWORD")
        if password is None:
            raise StoreUnavailable(
                f"no password for Neo4j at {self.uri}: set NETINV_NEO4J_PASSWORD (and NETINV_NEO4J_USER)")
        try:
            self.driver = driver or neo4j.GraphDatabase.driver(
                uri, auth=(user, password), connection_timeout=15, max_transaction_retry_time=15,
                notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF)
            self.driver.verify_connectivity()
        except Exception as e:  # the driver raises several kinds
            raise self._unavailable(e, "connecting") from e
        self._ensure_schema()

    # --- plumbing ------------------------------------------------------------------------
    def _unavailable(self, e: Exception, during: str) -> StoreUnavailable:
        ex = self._neo4j.exceptions
        if isinstance(e, ex.AuthError):
            return StoreUnavailable(
                f"Neo4j at {self.uri} refused the credentials in NETINV_NEO4J_USER / NETINV_NEO4J_PASSWORD")
        if isinstance(e, (ex.ServiceUnavailable, ex.SessionExpired, OSError)):
            if during == "connecting":
                return StoreUnavailable(
                    f"cannot reach Neo4j at {self.uri}: is the server running? "
                    "(start one with: eval \"$(scripts/neo4j-local start)\")")
            return StoreUnavailable(
                f"lost the connection to Neo4j at {self.uri} while {during}; restart the server and run the same "
                "command again: loads are idempotent and complete without duplicates")
        return StoreUnavailable(f"Neo4j at {self.uri} failed while {during}: {type(e).__name__}")

    def _run(self, name: str, **params: Any):
        """Run a named query in a managed transaction (retried by the driver on transient errors)."""
        return self._call(name, params, lambda q: self.driver.execute_query(
            q.text, params, database_=self.database, routing_=self._neo4j.RoutingControl.WRITE))

    def _run_auto(self, name: str, **params: Any) -> None:
        """Run a query in an auto-commit transaction (needed by CALL ... IN TRANSACTIONS)."""
        def auto(q):
            with self.driver.session(database=self.database) as session:
                session.run(q.text, params).consume()

        self._call(name, params, auto)

    def _call(self, name: str, params: dict, fn):
        """Check the parameters, run ``fn(query)``, and translate the driver's errors."""
        q = self.q[name]
        q.check(params)
        ex = self._neo4j.exceptions
        try:
            return fn(q)
        except ex.Neo4jError as e:
            if isinstance(e, (ex.ServiceUnavailable, ex.SessionExpired)):
                raise self._unavailable(e, f"running {name}") from e
            raise QueryError(name, q.location, f"{e.code}: {e.message}") from e
        except (ex.DriverError, OSError) as e:
            raise self._unavailable(e, f"running {name}") from e

    def _grouped(self, name: str, key: str, rows: str, columns: list[str], **params: Any) -> pd.DataFrame:
        """A query that returns one row per ``key`` with its ``rows`` as a list of lists (``columns``),
        as one frame: ``key`` first, then ``columns``.  A result row per record would cost the
        driver a message each (three to four times the time on tens of thousands of records)."""
        keys, flat = [], []
        for r in self._run(name, **params).records:
            keys += [r[key]] * len(r[rows])
            flat += r[rows]
        df = pd.DataFrame(flat, columns=columns)
        df.insert(0, key, pd.Series(keys, dtype=object))
        return df

    def _df(self, name: str, **params: Any) -> pd.DataFrame:
        res = self._run(name, **params)
        return pd.DataFrame([r.values() for r in res.records], columns=res.keys)

    def _ensure_schema(self) -> None:
        for name in _SCHEMA_QUERIES:
            self._run(name)
        self._run("await_indexes", timeout_s=300)
        self._key_handsets()

    def _key_handsets(self) -> None:
        """Give the Device nodes of a graph written before they had one their handset key."""
        imeis = [r["imei"] for r in self._run("read_devices_without_handset").records]
        keys = handset_keys(pd.Series(imeis, dtype="string"))
        rows = [[i, k] for i, k in zip(imeis, keys.tolist()) if k is not pd.NA]
        self._batched("set_device_handsets", rows)

    def close(self) -> None:
        try:
            self.driver.close()
        except Exception:  # closing a broken driver must not mask the real error
            pass

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r})"

    # --- writing: netinv.store.neo4j_write.Neo4jWriting (loads, pushes, undoing a failed load) ---

    def clear_all(self, confirm: bool = False) -> None:
        """Delete every node and relationship (tests and throw-away databases only)."""
        if not confirm:
            raise StoreError("clear_all deletes the whole database; call it with confirm=True")
        for name in ("delete_all_relationships", "delete_all_nodes"):
            self._run_auto(name)

    def record_decision(self, a: str, b: str, same: bool, *, by: str | None = None, note: str | None = None) -> str:
        did = new_decision_id()
        a, b = sorted((str(a), str(b)))
        self._run("create_decision", decision_id=did, a=a, b=b, same=bool(same), by=by, note=note,
                  decided_at=datetime.now(timezone.utc).isoformat())
        return did

    def undo_decision(self, decision_id: str) -> None:
        now = datetime.now(timezone.utc).isoformat()
        for query in ("undo_decision", "undo_number_decision"):
            res = self._run(query, decision_id=decision_id, undone_at=now)
            if res.records and res.records[0]["undone"]:
                return
        raise StoreError(f"no active decision {decision_id!r} in {self.uri}")

    def decisions(self, active: bool = True) -> pd.DataFrame:
        df = self._df("read_decisions", active=active)
        if df.empty:
            return pd.DataFrame(columns=DECISION_COLUMNS)
        for c in ("decided_at", "undone_at"):
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
        return df[DECISION_COLUMNS]

    def record_number_decision(self, number: str, public: bool, *, by: str | None = None,
                               note: str | None = None) -> str:
        did = new_decision_id()
        self._run("create_number_decision", decision_id=did, number=str(number), public=bool(public), by=by,
                  note=note, decided_at=datetime.now(timezone.utc).isoformat())
        return did

    def number_decisions(self, active: bool = True) -> pd.DataFrame:
        return number_decision_frame(self._df("read_number_decisions", active=active))

    # --- reading ---------------------------------------------------------------------------
    def counts(self, imeis: pd.DataFrame | None = None) -> dict[str, int]:
        a = self._run("count_records").records[0]
        b = self._run("count_nodes").records[0]
        out = {**dict(a), **dict(b)}
        out["devices"] = count_handsets((self.imei_values() if imeis is None else imeis)["imei"])
        return {k: int(out[k] or 0) for k in COUNT_KEYS}

    def imei_values(self) -> pd.DataFrame:
        r = self._run("read_imei_values").records[0]
        return pd.DataFrame({"imei": pd.Series(r["imei"], dtype="string"), "ends": pd.Series(r["ends"], dtype="int64")})

    def sources(self) -> pd.DataFrame:
        df = self._df("read_sources")
        df.insert(df.columns.get_loc("rejected") + 1, "left_out", df["rows"] - df["accepted"] - df["rejected"])
        for c in ("loaded_at", "last_loaded_at"):
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
        return df.sort_values(["loaded_at", "path"]).reset_index(drop=True)

    def loads(self) -> pd.DataFrame:
        df = self._df("read_loads")
        for c in ("started_at", "finished_at"):
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
        return df

    def records(self, kind: str, window: Window | None = None) -> pd.DataFrame:
        if kind not in RECORD_KINDS:
            raise StoreError(f"unknown record kind {kind!r}")
        lo, hi = (window or Window()).bounds
        if kind == "calls":
            df = self._grouped("read_calls", "caller", "calls", _CALL_ROW, since=lo, until=hi)
            df["start"] = pd.to_datetime(df.pop("start_us"), unit="us", utc=True)
        elif kind == "transfers":
            df = self._grouped("read_transfers", "payer_account", "transfers", _TRANSFER_ROW, since=lo, until=hi)
            df["time"] = pd.to_datetime(df.pop("time_us"), unit="us", utc=True)
        elif kind == "arrests":
            d_lo, d_hi = (window or Window()).date_bounds
            df = self._df("read_arrests", since=d_lo.isoformat(), until=d_hi.isoformat())
            df["date"] = pd.to_datetime(df["date"])
        else:
            df = self._df("read_holders")
            if len(df):
                df = df.groupby("record_id", as_index=False).agg("first")
        if df.empty:
            df = pd.DataFrame(columns=["record_id", *RECORD_KINDS[kind].field_names])
            if kind in ("holders", "arrests"):
                df["id_number_valid"] = pd.Series(dtype="boolean")
        return typed_records(kind, df)

    def calls_between(self, pairs: pd.DataFrame, window: Window | None = None) -> pd.DataFrame:
        lo, hi = (window or Window()).bounds
        keys = pairs[["caller", "callee"]].drop_duplicates()
        callees = keys.groupby("caller", sort=False)["callee"].agg(list)  # each caller once, with its callees
        return self._calls(self._grouped("read_calls_between", "caller", "calls", _CALL_ROW, since=lo, until=hi,
                                         pairs=[[a, b] for a, b in zip(callees.index.tolist(), callees.tolist())]))

    def calls_of(self, numbers: Iterable[str], window: Window | None = None) -> pd.DataFrame:
        lo, hi = (window or Window()).bounds
        df = self._grouped("read_calls_of", "phone", "calls", ["record_id", "caller", *_CALL_ROW[1:]],
                           numbers=sorted(set(numbers)), since=lo, until=hi)
        return self._calls(df.drop(columns="phone"))

    @staticmethod
    def _calls(df: pd.DataFrame) -> pd.DataFrame:
        """Calls as a read query returns them (``start_us``), typed as :meth:`records` gives them."""
        if df.empty:
            return typed_records("calls", pd.DataFrame(columns=["record_id", *RECORD_KINDS["calls"].field_names]))
        df["start"] = pd.to_datetime(df.pop("start_us"), unit="us", utc=True)
        return typed_records("calls", df)

    def phone_handsets(self) -> pd.DataFrame:
        df = self._df("read_phone_handsets")
        return (df if len(df) else pd.DataFrame(columns=["imei", "phone"])).astype("string")

    def handset_phones(self, handsets: Iterable[str]) -> pd.DataFrame:
        df = self._df("read_handset_phones", keys=sorted(set(map(str, handsets))))
        return (df if len(df) else pd.DataFrame(columns=["imei", "phone"])).astype("string")

    def provenance(self, record_ids: Iterable[str] | None = None, *, kind: str | None = None) -> pd.DataFrame:
        if kind is not None and kind not in RECORD_KINDS:
            raise StoreError(f"unknown record kind {kind!r}")
        if record_ids is None:
            df = self._df("read_provenance")
        else:
            # calls: found by the CALLED record_id constraint alone (not by every kind's: 20-25% of the time)
            query = "read_call_provenance_of" if kind == "calls" else "read_provenance_of"
            found = self._run(query, ids=sorted(set(map(str, record_ids)))).records[0]["records"]
            df = pd.DataFrame(found, columns=["record_id", "type", "entry"]).explode("entry").dropna(subset=["entry"])
        if kind is not None:
            df = df[df["type"].map(TYPE_KIND) == kind]
        cols = ["record_id", "kind", "path", "file_sha256", "row", "row_sha256", "loaded_at", "authority", "load_id"]
        if df.empty:
            return pd.DataFrame(columns=cols)
        split = pc.split_pattern(pa.array(df["entry"].to_numpy(), type=pa.string()), "|")  # file|row|row hash|load
        parts = [pc.list_element(split, k).to_numpy(zero_copy_only=False) for k in range(4)]
        out = pd.DataFrame({
            "record_id": df["record_id"].to_numpy(), "kind": df["type"].map(TYPE_KIND).to_numpy(),
            "file_sha256": parts[0], "row": parts[1].astype("int64"), "row_sha256": parts[2], "load_id": parts[3],
        }).drop_duplicates(["record_id", "file_sha256", "row"])
        src = self.sources().drop_duplicates("file_sha256")[["file_sha256", "path"]]
        loads = self.loads()[["load_id", "finished_at", "authority"]].rename(columns={"finished_at": "loaded_at"})
        out = out.merge(src, on="file_sha256", how="left").merge(loads, on="load_id", how="left")
        return out[cols].sort_values(["record_id", "path", "row"]).reset_index(drop=True)

    def layer_edges(self, layer: str, window: Window | None = None) -> pd.DataFrame:
        lo, hi = (window or Window()).bounds
        if layer == "calls":
            df = self._grouped("aggregate_call_edges", "source", "edges",
                               ["target", "count", "duration_s", "first_us", "last_us"], since=lo, until=hi)
            df["amount"], df["currency"] = None, None
        elif layer == "money":
            df = self._grouped("aggregate_money_edges", "source", "edges",
                               ["target", "count", "amount", "currency", "first_us", "last_us"], since=lo, until=hi)
            df["duration_s"] = None
        elif layer == "co_arrest":
            d_lo, d_hi = (window or Window()).date_bounds
            df = self._df("aggregate_co_arrest_edges", since=d_lo.isoformat(), until=d_hi.isoformat())
            df["duration_s"], df["amount"], df["currency"] = None, None, None
            df["first"] = pd.to_datetime(df["first"], utc=True)
            df["last"] = pd.to_datetime(df["last"], utc=True)
        else:
            raise StoreError(f"unknown layer {layer!r}; layers are calls, money, co_arrest")
        if layer != "co_arrest":
            df["first"] = pd.to_datetime(df.pop("first_us"), unit="us", utc=True) if len(df) else pd.Series(
                dtype="datetime64[us, UTC]")
            df["last"] = pd.to_datetime(df.pop("last_us"), unit="us", utc=True) if len(df) else pd.Series(
                dtype="datetime64[us, UTC]")
        if df.empty:
            df = pd.DataFrame({c: pd.Series(dtype=object) for c in
                               ["source", "target", "count", "duration_s", "amount", "currency", "first", "last"]})
        return edge_frame(df)

    def layer_nodes(self, layer: str, window: Window | None = None) -> pd.Series:
        query = {"calls": "read_call_nodes", "money": "read_money_nodes"}.get(layer)
        if query is None:  # co-arrests: a small layer, read as edges
            return super().layer_nodes(layer, window)
        lo, hi = (window or Window()).bounds
        ids = self._run(query, since=lo, until=hi).records[0]["ids"]
        return pd.Series(sorted(ids), dtype="string")

    # --- GDS -------------------------------------------------------------------------------
    def gds_version(self) -> str:
        return str(self._run("read_gds_version").records[0]["version"])

    def gds_call_scores(self, *, undirected: bool = False, damping: float = 0.85, max_iterations: int = 100,
                        tolerance: float = 1e-10) -> pd.DataFrame:
        """PageRank and weakly connected components computed by GDS on the call graph (weight = calls)."""
        name = f"netinv-calls-{new_load_id()}"
        self._run("project_gds_calls", graph_name=name, undirected=["*"] if undirected else [])
        try:
            pr = self._df("stream_gds_pagerank", graph_name=name, damping=damping, max_iterations=max_iterations,
                          tolerance=tolerance)
            wcc = self._df("stream_gds_wcc", graph_name=name)
        finally:
            self._run("drop_gds_graph", graph_name=name)
        return pr.merge(wcc, on="number")

    def gds_tie_scores(self, *, resolution: float = 1.0, seed: int = 0) -> pd.DataFrame:
        """GDS's own measures on the calls as netinv's undirected measures see them (one tie per pair
        of phones that called each other, weighted by their calls), to cross-check netinv's results:
        ``number``, ``betweenness`` (exact, hops), ``harmonic`` (hops), and the communities of
        ``leiden`` (at ``resolution``, from ``seed``) and ``louvain`` (which takes no seed), one thread each.

        GDS's eigenvector centrality is left out: with relationship weights it normalises each
        node's weights to sum to one, which on an undirected graph makes it proportional to the
        node's strength (calls), not the eigenvector of the weighted ties that netinv reports."""
        name = f"netinv-ties-{new_load_id()}"
        self._run("project_gds_call_ties", graph_name=name)
        try:
            frames = [self._df("stream_gds_betweenness", graph_name=name).rename(columns={"score": "betweenness"}),
                      self._df("stream_gds_harmonic", graph_name=name).rename(columns={"score": "harmonic"}),
                      self._df("stream_gds_leiden", graph_name=name, resolution=float(resolution), seed=int(seed))
                      .rename(columns={"community": "leiden"}),
                      self._df("stream_gds_louvain", graph_name=name).rename(columns={"community": "louvain"})]
        finally:
            self._run("drop_gds_graph", graph_name=name)
        out = frames[0]
        for f in frames[1:]:
            out = out.merge(f, on="number")
        return out.sort_values("number").reset_index(drop=True)
