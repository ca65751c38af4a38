"""Writing to Neo4j: loads, pushes and undoing a failed load (half of :class:`~netinv.store.neo4j.Neo4jStore`).

Calls and transfers are grouped by endpoint pair and sent as lists (``UNWIND $pairs``), batch by
batch, on ``writers`` concurrent transactions; holders and arrests as row maps.  A record that
exists already only gains the provenance entries it lacks, so every write is idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import __version__
from ..adapters import Batch
from ..errors import QueryError, StoreError, StoreUnavailable
from ..normalize import handset_keys
from ..schema import RECORD_KINDS
from .base import GraphStore, LoadResult, call_sightings, new_load_id

__all__ = ["Neo4jWriting", "provenance_entries", "TYPE_KIND"]

#: per record kind with pair-grouped writes: the endpoint columns and the payload columns, in order
_PAIRED = {
    "calls": (("caller", "callee"), ("record_id", "start", "duration_s", "kind", "cell_id", "imei", "callee_cell_id",
                                     "callee_imei")),
    "transfers": (("payer_account", "payee_account"),
                  ("record_id", "amount", "currency", "time", "channel", "payer_name", "payee_name", "reference",
                   "memo")),
}
#: the record kind that each relationship type holds, and the types of each kind
TYPE_KIND = {"CALLED": "calls", "PAID": "transfers", "USES": "holders", "HOLDS": "holders", "ARRESTED_IN": "arrests"}
_KIND_TYPES = {k: [t for t, kind in TYPE_KIND.items() if kind == k] for k in set(TYPE_KIND.values())}
_UNDO_QUERIES = ["delete_load_calls", "delete_load_transfers", "delete_load_uses", "delete_load_holds",
                 "delete_load_arrests", "delete_load_derived", "clear_load_call_ends"]


class _Retries(logging.Filter):
    """The driver's warnings that a transaction failed and will be retried (mostly two of the
    concurrent writers locking the same nodes: the server undoes one, the driver runs it again),
    counted by the server's code for the load's notes instead of printed across its progress."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self.codes: Counter = Counter()
        self._users = 0

    def __enter__(self) -> Counter:
        """While a load writes (loads at once share it), the driver's retry warnings are counted,
        not printed; outside, another program's use of the driver logs as it would.  Gives the
        counts so far."""
        with self._lock:
            if not self._users:
                logging.getLogger("neo4j.session").addFilter(self)
            self._users += 1
            return Counter(self.codes)

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._users -= 1
            if not self._users:
                logging.getLogger("neo4j.session").removeFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if "will be retried" not in str(record.msg):
            return True
        error = record.args[-1] if isinstance(record.args, tuple) and record.args else None
        with self._lock:
            self.codes[getattr(error, "code", None) or type(error).__name__] += 1
        return False

    def note(self, before: Counter) -> str | None:
        """The note on the transactions the driver ran again since the counts ``before``, or None."""
        with self._lock:
            codes = self.codes - before
        if not codes:
            return None
        what = ", ".join(f"{code} ×{n}" for code, n in codes.most_common())
        return (f"{sum(codes.values())} write transaction(s) failed on a transient server error and were run "
                f"again ({what}); nothing is lost or written twice (NETINV_NEO4J_WRITERS=1 writes without "
                "concurrent transactions)")


_RETRIES = _Retries()


def _column(s: pd.Series) -> list:
    return s.to_numpy(dtype=object, na_value=None).tolist()


def _micros(s: pd.Series) -> list:
    arr = s.dt.tz_convert("UTC").to_numpy("datetime64[us]").astype("int64")
    return [None if m else int(v) for v, m in zip(arr.tolist(), s.isna().tolist())]


def provenance_entries(p: pd.DataFrame, load_id: str | None = None) -> tuple[pd.Series, pd.Series]:
    """A provenance frame's entries ``file_sha256|row|row_sha256|load_id`` and their keys (without
    the load), as records carry them; ``load_id`` stands in where the frame has no such column."""
    lid = p["load_id"].astype("string") if "load_id" in p else pd.Series(load_id, index=p.index, dtype="string")
    prefix = (p["file_sha256"].astype("string") + "|" + p["row"].astype("string") + "|"
              + p["row_sha256"].astype("string"))
    return prefix, prefix + "|" + lid


def _chunks(n: int, size: int) -> Iterator[slice]:
    for i in range(0, n, size):
        yield slice(i, min(n, i + size))


class Neo4jWriting:
    """The write methods of :class:`~netinv.store.neo4j.Neo4jStore` (which provides ``_run``,
    ``_run_auto``, ``batch_size``, ``writers``, ``uri`` and the reading methods they use)."""

    def _batched(self, name: str, rows: list, key: str = "rows", **params) -> int:
        total = 0
        for sl in _chunks(len(rows), self.batch_size):
            res = self._run(name, **{key: rows[sl]}, **params)
            if res.records:
                total += int(res.records[0][0] or 0)
        return total

    def _records_with_provenance(self, kind: str, records: pd.DataFrame, provenance: pd.DataFrame,
                                 load_id: str | None) -> list[dict]:
        """Row maps (holders, arrests: small kinds) for the create queries, with provenance."""
        rk = RECORD_KINDS[kind]
        cols: dict[str, list] = {"record_id": _column(records["record_id"])}
        for f in rk.fields:
            s = records[f.name]
            if f.type == "date":
                cols[f.name] = [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in s.tolist()]
            elif f.type == "float":
                cols[f.name] = [None if v is None else float(v) for v in _column(s)]
            else:
                cols[f.name] = _column(s)
        if "id_number_valid" in records:
            cols["id_number_valid"] = [None if v is None else bool(v) for v in _column(records["id_number_valid"])]
        prov, keys = self._provenance_lists(records["record_id"], provenance, load_id)
        names = list(cols)
        rows = [dict(zip(names, vals)) for vals in zip(*cols.values())]
        for r, pv, k in zip(rows, prov, keys):
            r["provenance"], r["prov_keys"] = pv, k
        return rows

    def _create(self, create: str, append: str, rows: list[dict], load_id: str) -> tuple[int, int]:
        """Create new record relationships from row maps; append provenance to those that exist.

        Returns (records created, provenance entries added).
        """
        created = entries = 0
        for sl in _chunks(len(rows), self.batch_size):
            batch = rows[sl]
            rec = self._run(create, rows=batch, load_id=load_id).records[0]
            created += int(rec["created"])
            entries += int(rec["entries"])
            if int(rec["created"]) < len(batch):
                res = self._run(append, rows=batch).records[0]
                entries += int(res["appended"])
                self._check_written(create, len(batch) - int(res["found"]))
        return created, entries

    @staticmethod
    def _check_written(query: str, missing: int) -> None:
        """After a batch every record must exist (the append query finds old and new ones alike)."""
        if missing:
            raise StoreError(f"{missing} record(s) of a batch could not be written by {query} "
                             "(a node they connect is missing)")

    def _create_paired(self, kind: str, create: str, append: str, records: pd.DataFrame,
                       provenance: pd.DataFrame, load_id: str | None) -> tuple[int, int]:
        """Calls and transfers: rows grouped by endpoint pair, sent as lists, batch by batch."""
        (ka, kb), cols = _PAIRED[kind]
        self._fast_path = True
        recs = records.sort_values([ka, kb, "record_id"], kind="stable").reset_index(drop=True)
        prov, keys = self._provenance_lists(recs["record_id"], provenance, load_id)
        payload = []
        for c in cols:
            s = recs[c]
            if c in ("start", "time"):
                payload.append(_micros(s))
            elif c == "duration_s":
                payload.append([None if v is None else int(v) for v in _column(s)])
            elif c == "amount":
                payload.append([None if v is None else float(v) for v in _column(s)])
            else:
                payload.append(_column(s))
        payload.append(prov)
        items = [list(t) for t in zip(*payload)]
        a, b = _column(recs[ka]), _column(recs[kb])

        def batches() -> Iterator[tuple[list, int, int]]:
            """Pair-grouped batches of about ``batch_size`` records: (pairs, first row, end row)."""
            i, n = 0, len(items)
            while i < n:
                pairs, start = [], i
                while i < n and i - start < self.batch_size:
                    j = i + 1
                    while j < n and a[j] == a[i] and b[j] == b[i] and j - i < self.batch_size:
                        j += 1
                    pairs.append([a[i], b[i], items[i:j]])
                    i = j
                yield pairs, start, i

        def write(pairs: list, start: int, end: int) -> tuple[int, int]:
            rec = None
            if self._fast_path:
                try:
                    rec = self._run(create + "_new", pairs=pairs, load_id=load_id).records[0]
                except QueryError as e:
                    if "ConstraintValidationFailed" not in str(e):
                        raise
                    self._fast_path = False  # records of this load exist already: check each from now on
            if rec is None:
                rec = self._run(create, pairs=pairs, load_id=load_id).records[0]
            made, added = int(rec["created"]), int(rec["entries"])
            if made < end - start:
                rows = [[items[k][0], prov[k], keys[k]] for k in range(start, end)]
                res = self._run(append, rows=rows).records[0]
                added += int(res["appended"])
                self._check_written(create, end - start - int(res["found"]))
            return made, added

        return self._in_parallel(write, batches())

    def _in_parallel(self, fn, jobs: Iterator[tuple]) -> tuple[int, int]:
        """Run ``fn(*job)`` for every job on ``writers`` concurrent transactions; sum the (created,
        entries) pairs.  Batches are prepared while earlier ones are written (at most ``2 * writers``
        in flight); the first error met, in submission order, stops the rest and is raised."""
        if self.writers <= 1:
            results = [fn(*job) for job in jobs]
        else:
            from collections import deque
            from concurrent.futures import ThreadPoolExecutor

            results, inflight = [], deque()
            with ThreadPoolExecutor(self.writers, thread_name_prefix="netinv-neo4j") as pool:
                try:
                    for job in jobs:
                        inflight.append(pool.submit(fn, *job))
                        if len(inflight) >= 2 * self.writers:
                            results.append(inflight.popleft().result())
                    while inflight:
                        results.append(inflight.popleft().result())
                finally:
                    for f in inflight:
                        f.cancel()
        return sum(r[0] for r in results), sum(r[1] for r in results)

    @staticmethod
    def _provenance_lists(record_ids: pd.Series, provenance: pd.DataFrame, load_id: str | None):
        """Per record (in the order of ``record_ids``): its provenance entries and their keys."""
        prefix, entries = provenance_entries(provenance, load_id)
        # each record's entries in the order of the frame, by Arrow (a loop over the 423,863 entries
        # of 300,000 calls took 5.9 s); a record id given twice gets its lists twice
        wanted = pd.Index(record_ids.to_numpy()).unique()
        pos = wanted.get_indexer(provenance["record_id"].astype("string").to_numpy())
        keep = pos >= 0
        order = np.argsort(pos[keep], kind="stable")
        offsets = pa.array(np.concatenate([[0], np.cumsum(np.bincount(pos[keep], minlength=len(wanted)))]), pa.int64())
        back = None if len(wanted) == len(record_ids) else wanted.get_indexer(record_ids.to_numpy())

        def lists(values: pd.Series) -> list[list]:
            flat = pa.array(values.to_numpy(dtype=object)[keep][order], pa.string())
            out = pa.LargeListArray.from_arrays(offsets, flat).to_pylist()
            return out if back is None else [out[i] for i in back]

        return lists(entries), lists(prefix)

    def _write_kind(self, kind: str, records: pd.DataFrame, provenance: pd.DataFrame, load_id: str) -> tuple[int, int]:
        if kind == "calls":
            phones = pd.unique(pd.concat([records["caller"], records["callee"]]).dropna()).tolist()
            self._batched("merge_phones", phones, key="keys", load_id=load_id)
            new, appended = self._create_paired(kind, "create_calls", "append_call_provenance", records, provenance,
                                                load_id)
            self._merge_sightings(records, load_id)
            return new, appended
        if kind == "transfers":
            accts = pd.unique(pd.concat([records["payer_account"], records["payee_account"]]).dropna()).tolist()
            self._batched("merge_accounts", accts, key="keys", load_id=load_id)
            return self._create_paired(kind, "create_transfers", "append_transfer_provenance", records, provenance,
                                       load_id)
        rows = self._records_with_provenance(kind, records, provenance, load_id)
        if kind == "holders":
            self._merge_people(records, load_id)
            with_phone = [r for r in rows if r["phone"] is not None]
            with_account = [r for r in rows if r["account"] is not None]
            new_p, app_p = self._create("create_holder_phones", "append_uses_provenance", with_phone, load_id)
            only_acct = [r for r in with_account if r["phone"] is None]
            both = [r for r in with_account if r["phone"] is not None]
            new_a, app_a = self._create("create_holder_accounts", "append_holds_provenance", only_acct, load_id)
            self._create("create_holder_accounts", "append_holds_provenance", both, load_id)
            return new_p + new_a, app_p + app_a
        if kind == "arrests":
            self._merge_people(records, load_id)
            self._batched("merge_cases", pd.unique(records["case_id"].dropna()).tolist(), key="keys", load_id=load_id)
            new, appended = self._create("create_arrests", "append_arrest_provenance", rows, load_id)
            slim = [{"person_id": r["person_id"], "record_id": r["record_id"], "phone": r["phone"],
                     "account": r["account"]} for r in rows]
            self._batched("merge_arrest_phones", [r for r in slim if r["phone"] is not None], load_id=load_id)
            self._batched("merge_arrest_accounts", [r for r in slim if r["account"] is not None], load_id=load_id)
            return new, appended
        raise StoreError(f"unknown record kind {kind!r}")

    def _merge_people(self, records: pd.DataFrame, load_id: str) -> None:
        people = records[["person_id", "name"]].drop_duplicates("person_id")
        rows = [{"person_id": a, "name": b} for a, b in zip(people["person_id"].tolist(), _column(people["name"]))]
        self._batched("merge_persons", rows, load_id=load_id)
        if "phone" in records:
            phones = pd.unique(records["phone"].dropna()).tolist()
            self._batched("merge_phones", phones, key="keys", load_id=load_id)
        if "account" in records:
            accts = pd.unique(records["account"].dropna()).tolist()
            self._batched("merge_accounts", accts, key="keys", load_id=load_id)

    def _fill_call_ends(self, ends: pd.DataFrame, load_id: str) -> None:
        """Calls of the workspace without an end's cell and handset take them from this load
        (marked with it, so that undoing the load clears them), with that end's SEEN_AT and INSERTED_IN."""
        rows = [list(r) for r in zip(*(_column(ends[c]) for c in ("record_id", "cell_id", "imei", "callee_cell_id",
                                                                  "callee_imei")))]
        self._batched("fill_call_ends", rows, load_id=load_id)
        self._merge_sightings(ends, load_id)

    def _merge_sightings(self, calls: pd.DataFrame, load_id: str) -> None:
        """SEEN_AT and INSERTED_IN from each phone to the cells and handsets of its end of ``calls``."""
        for col, query in (("cell_id", "merge_seen_at"), ("imei", "merge_inserted_in")):
            pairs = call_sightings(calls, col)
            derived = [{"phone": a, "key": b} for a, b in zip(pairs["phone"].tolist(), pairs["key"].tolist())]
            if col == "imei":  # each handset's key, for the Device it may create
                for row, key in zip(derived, handset_keys(pairs["key"]).tolist()):
                    row["handset"] = None if key is pd.NA else key
            self._batched(query, derived, load_id=load_id)

    def write(self, batch: Batch, *, authority: str | None = None, options: dict | None = None) -> LoadResult:
        kind = batch.kind
        load_id = new_load_id()
        started = datetime.now(timezone.utc)
        profile = ",".join(sorted({s.profile for s in batch.sources}))
        self._run("create_load", load_id=load_id, kind=kind, started_at=started.isoformat(), profile=profile,
                  authority=authority, version=__version__, options=self._options_json(options))
        try:
            with _RETRIES as retried:
                new, prov_new = self._write_kind(kind, batch.records, batch.provenance, load_id)
                if batch.call_ends is not None and len(batch.call_ends):
                    self._fill_call_ends(batch.call_ends, load_id)
                self._run("merge_sources", rows=self._source_rows(kind, batch.sources), load_id=load_id)
                note = _RETRIES.note(retried)
            result = LoadResult(
                load_id=load_id, kind=kind, files=len(batch.sources), records_read=len(batch.records),
                records_new=new, records_existing=len(batch.records) - new, provenance_new=prov_new,
                rejected=len(batch.problems), reasons=dict(batch.reasons),
                notes=[*batch.notes, *([note] if note else [])],
            )
            self._run("finish_load", load_id=load_id, finished_at=datetime.now(timezone.utc).isoformat(),
                      files=result.files, records_read=result.records_read, records_new=result.records_new,
                      provenance_new=result.provenance_new, rejected=result.rejected)
            return result
        except StoreUnavailable:
            raise  # the server is gone: nothing can be undone now; running the load again completes it
        except Exception as e:
            self.undo_load(load_id)
            if isinstance(e, (QueryError, StoreError)):
                raise StoreError(f"writing {kind} to {self.uri} failed and was undone: {e}") from e
            raise

    def _source_rows(self, kind: str, files: list) -> list[dict]:
        """The load's files as ``merge_sources`` takes them, one per file, after its records are
        written.  A file read before is counted as the workspace holds it (as in the embedded
        store): ``accepted``, its rows that some load took; ``rejected``, those of this load's
        rejected rows that none took."""
        files = list({f.sha256: f for f in files}.values())  # one file in two places: one Source
        known = set(self._run("read_source_keys", keys=[f"{f.sha256}:{kind}" for f in files]).records[0]["keys"])
        again = [f for f in files if f"{f.sha256}:{kind}" in known]
        counts: dict[str, tuple[int, int]] = {f.sha256: (0, 0) for f in again}  # (held, of them rejected now)
        if again:
            rejected = sorted({f"{f.sha256}|{r}" for f in again for r in f.rejected_rows})
            res = self._run("count_file_rows", types=_KIND_TYPES[kind], shas=list(counts), rejected=rejected)
            counts.update({r["sha"]: (int(r["held"]), int(r["rejected_held"])) for r in res.records})
        rows = []
        for f in files:
            accepted, rejected = f.accepted, f.rejected
            if f.sha256 in counts:
                held, rejected_held = counts[f.sha256]
                accepted, rejected = held, len(set(f.rejected_rows)) - rejected_held
            rows.append({"file_sha256": f.sha256, "path": f.path, "size": f.size, "encoding": f.encoding,
                         "kind": f.kind, "profile": f.profile, "rows": f.rows, "accepted": accepted,
                         "rejected": rejected})
        return rows

    def undo_load(self, load_id: str) -> None:
        """Remove what a load wrote (records it created, its provenance entries, nodes it left bare)."""
        for name in _UNDO_QUERIES:
            self._run_auto(name, load_id=load_id)
        self._run("remove_load_provenance", suffix=f"|{load_id}")
        self._run("delete_load_orphans", load_id=load_id)
        self._run("delete_load_sources", load_id=load_id)
        self._run("restore_load_sources", load_id=load_id)
        self._run("mark_load_undone", load_id=load_id, finished_at=datetime.now(timezone.utc).isoformat())

    def copy_from(self, other: GraphStore, progress=None, notes: list[str] | None = None) -> dict[str, int]:
        """Copy another store's records, provenance, sources, audit log and decisions into this one
        (netinv push).  ``notes``, where given, gains what the push has to say (transactions the
        driver ran again, as a load notes them)."""
        say = progress or (lambda m: None)
        loads = other.loads()
        rows = []
        for r in loads.to_dict("records"):
            rows.append({
                "load_id": r["load_id"], "kind": r["kind"], "started_at": pd.Timestamp(r["started_at"]).isoformat(),
                "finished_at": pd.Timestamp(r["finished_at"]).isoformat(), "profile": r["profile"],
                "authority": None if pd.isna(r["authority"]) else r["authority"],
                "netinv_version": r["netinv_version"], "options": r["options"],
                **{k: int(r[k]) for k in ("files", "records_read", "records_new", "provenance_new", "rejected")},
            })
        self._run("merge_copied_loads", rows=rows, origin=other.uri)
        src = other.sources()
        srows = [{k: (None if pd.isna(v) else (int(v) if isinstance(v, (np.integer,)) else v)) for k, v in r.items()
                  if k in ("file_sha256", "path", "size", "encoding", "kind", "profile", "rows", "accepted",
                           "rejected", "load_id", "last_load_id")} for r in src.to_dict("records")]
        keys = [f"{r['file_sha256']}:{r['kind']}" for r in srows]
        known = set(self._run("read_source_keys", keys=keys).records[0]["keys"])
        self._run("merge_copied_sources", rows=srows)
        copied = {}
        push_id = "push-" + new_load_id()
        prov_all = other.provenance()
        with _RETRIES as retried:
            for kind in ("holders", "arrests", "calls", "transfers"):
                say(f"copying {kind}")
                recs = other.records(kind)
                prov = prov_all[prov_all["kind"] == kind]
                new, _ = self._write_kind(kind, recs, prov, push_id)
                copied[kind] = new
                self._recount_copied_sources(kind, [r["file_sha256"] for r in srows
                                                    if r["kind"] == kind and f"{r['file_sha256']}:{kind}" in known])
            note = _RETRIES.note(retried)
        if note and notes is not None:
            notes.append(note)
        say("copying the analysts' decisions")
        before = len(self.decisions(active=False)) + len(self.number_decisions(active=False))
        self._run("merge_copied_decisions", rows=_decision_rows(other.decisions(active=False)))
        self._run("merge_copied_number_decisions", rows=_decision_rows(other.number_decisions(active=False)))
        copied["decisions"] = len(self.decisions(active=False)) + len(self.number_decisions(active=False)) - before
        return copied

    def _recount_copied_sources(self, kind: str, shas: list[str]) -> None:
        """Files of ``kind`` that this graph had read before a push: count their rows as the graph
        now holds them, its own loads' rows and the workspace's together (``merge_copied_sources``
        took one side's counts)."""
        if not shas:
            return
        res = self._run("count_file_rows", types=_KIND_TYPES[kind], shas=shas, rejected=[])
        held = {r["sha"]: int(r["held"]) for r in res.records}
        self._run("recount_copied_sources", rows=[{"key": f"{sha}:{kind}", "accepted": held.get(sha, 0)}
                                                  for sha in shas])


def _decision_rows(df: pd.DataFrame) -> list[dict]:
    """Decisions as query parameters: times as ISO text, missing values as null."""
    rows = []
    for r in df.to_dict("records"):
        row = {}
        for k, v in r.items():
            if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)):
                row[k] = None
            elif isinstance(v, pd.Timestamp):
                row[k] = v.isoformat()
            elif isinstance(v, (np.bool_, bool)):
                row[k] = bool(v)
            else:
                row[k] = str(v)
        rows.append(row)
    return rows
