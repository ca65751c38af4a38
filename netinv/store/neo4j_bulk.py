"""A first load of a large case into an empty Neo4j database with ``neo4j-admin database import``.

Writing over Bolt (:class:`~netinv.store.neo4j.Neo4jStore`, ``netinv push``) checks every record
against the uniqueness constraints, one transaction per batch: safe for a live, shared database,
and 16,000-18,000 call records a second for 1M records on a 2-core machine.  Neo4j's offline importer
writes the store files directly.  It only builds a *new* database, which replaces the old one while
the server is stopped, and its fixed costs (JVM starts, a restart, building the indexes) make it pay
only for large cases: 15,000-16,000 records a second all told for 1M call records (no better than
Bolt), 33,000 for 3M (``benchmarks/bench_neo4j.py``).  This module writes a workspace as the importer's CSV files,
describing exactly the graph that ``netinv push`` builds (the same labels, relationship types,
properties, provenance entries, audit log and analysts' decisions), so that every netinv command reads it back the
same way.

    netinv import-files --store embedded:case.duckdb --out import/      # this module
    scripts/neo4j-local import import/ --replace-database                # import, swap, restart
    netinv status --store "$NETINV_NEO4J_URI"                            # creates the constraints

``import.args`` in the folder lists the importer's ``--nodes`` / ``--relationships`` arguments, one
per line, with paths relative to the folder.  Constraints and indexes are created by the first
netinv connection (:meth:`Neo4jStore._ensure_schema`), which checks every key on the imported data:
duplicate record ids would fail there, loudly.  Later loads go over Bolt as usual, and are
idempotent against the imported records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import StoreError
from ..folders import make_folder
from ..normalize import handset_keys
from .base import GraphStore, call_ends, call_sightings, new_load_id
from .neo4j_write import provenance_entries

__all__ = ["ImportFiles", "write_import_files", "ARRAY_DELIMITER"]

#: separates the entries of list properties (provenance) in the CSV files; never inside an entry
ARRAY_DELIMITER = ";"


@dataclass
class ImportFiles:
    """What :func:`write_import_files` wrote: the folder, the importer's arguments, row counts."""

    folder: Path
    import_id: str
    args: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _utc(s: pd.Series) -> pa.Array:
    """ISO-8601 text of a timestamp column (UTC, microseconds), nulls kept."""
    a = pa.array(pd.to_datetime(s, utc=True).astype("datetime64[us, UTC]"))
    return pc.strftime(a, format="%Y-%m-%dT%H:%M:%SZ")


def _const(value: str, n: int) -> pa.Array:
    return pa.array([value] * n, pa.string())


def _text(s: pd.Series) -> pa.Array:
    s = s.astype("string")
    try:  # Arrow-backed strings: no copy through Python objects
        return pa.array(s.array, type=pa.string())
    except (TypeError, pa.ArrowInvalid):
        return pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.string())


def _provenance_entries(prov: pd.DataFrame, record_ids: pd.Series) -> pa.Array:
    """Per record: its entries ``file_sha256|row|row_sha256|load_id`` joined by ARRAY_DELIMITER."""
    if prov.empty:
        return pa.nulls(len(record_ids), pa.string())
    p = prov.drop_duplicates(["record_id", "file_sha256", "row"])
    _, entry = provenance_entries(p)
    bad = entry.str.contains(ARRAY_DELIMITER, regex=False).fillna(False)
    if bad.any():
        raise StoreError(f"a provenance entry contains {ARRAY_DELIMITER!r}: {entry[bad].iloc[0]!r}")
    ids, entries = _text(p["record_id"]), _text(entry)
    if not p["record_id"].is_unique:  # a record read from several files or rows: all its entries
        g = (pa.table({"record_id": ids, "e": entries}).sort_by([("record_id", "ascending"), ("e", "ascending")])
             .group_by("record_id", use_threads=False).aggregate([("e", "list")]))
        ids, entries = g["record_id"].combine_chunks(), pc.binary_join(g["e_list"], ARRAY_DELIMITER)
    return pc.take(entries, pc.index_in(_text(record_ids), value_set=ids))


class _Writer:
    def __init__(self, folder: Path, import_id: str, progress: Callable[[str], None]):
        self.folder, self.import_id, self.say = folder, import_id, progress
        self.files = ImportFiles(folder, import_id)

    def write(self, what: str, name: str, table: pa.Table) -> None:
        """One CSV file; ``what`` is ``nodes`` or ``relationships``, ``name`` the label or type."""
        if table.num_rows == 0:
            return
        fname = f"{name.lower()}.csv"
        self.say(f"writing {table.num_rows:,} {name} to {fname}")
        pacsv.write_csv(table, self.folder / fname,
                        write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
        self.files.args.append(f"--{what}={name}={fname}")
        self.files.rows[name] = self.files.rows.get(name, 0) + table.num_rows

    def nodes(self, label: str, key: str, keys: pd.Series, extra: dict | None = None) -> None:
        keys = keys.dropna().drop_duplicates().reset_index(drop=True)
        cols = {f"{key}:ID({label})": _text(keys), "created_by": _const(self.import_id, len(keys)),
                **(extra or {})}
        self.write("nodes", label, pa.table(cols))


def write_import_files(source: GraphStore, folder: str | Path,
                       progress: Callable[[str], None] | None = None) -> ImportFiles:
    """Write ``source`` (a workspace) as ``neo4j-admin database import`` files into ``folder``.

    The folder must be empty or not exist.  The records get ``load_id`` = the import's id (as
    ``netinv push`` gives its push id); provenance entries keep the loads that read them, and every
    load and source file of the workspace comes along in the audit log.
    """
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()):
        raise StoreError(f"{folder} is not empty; import files go into a new or empty folder")
    make_folder(folder)
    say = progress or (lambda m: None)
    import_id = "import-" + new_load_id()
    w = _Writer(folder, import_id, say)
    lid = lambda n: _const(import_id, n)  # noqa: E731

    say("reading the workspace")
    recs = {k: source.records(k) for k in ("holders", "arrests", "calls", "transfers")}
    prov = source.provenance()
    calls, transfers, holders, arrests = recs["calls"], recs["transfers"], recs["holders"], recs["arrests"]

    # --- nodes (the order of first sight decides a person's name, as in netinv push) ---------------
    people = pd.concat([holders[["person_id", "name"]], arrests[["person_id", "name"]]]).drop_duplicates("person_id")
    w.nodes("Person", "person_id", people["person_id"], {"name": _text(people["name"].reset_index(drop=True))})
    w.nodes("Phone", "number", pd.concat([holders["phone"], arrests["phone"], calls["caller"], calls["callee"]]))
    w.nodes("Account", "number", pd.concat([holders["account"], arrests["account"], transfers["payer_account"],
                                            transfers["payee_account"]]))
    w.nodes("Case", "case_id", arrests["case_id"])
    w.nodes("Location", "cell_id", call_ends(calls, "cell_id"))
    imeis = call_ends(calls, "imei").dropna().drop_duplicates().reset_index(drop=True)
    w.nodes("Device", "imei", imeis, {"handset": _text(handset_keys(imeis))})

    loads = source.loads()
    if len(loads):
        w.write("nodes", "Load", pa.table({
            "load_id:ID(Load)": _text(loads["load_id"]), "kind": _text(loads["kind"]),
            "started_at:datetime": _utc(loads["started_at"]), "finished_at:datetime": _utc(loads["finished_at"]),
            "status": _const("complete", len(loads)), "profile": _text(loads["profile"]),
            "authority": _text(loads["authority"]), "netinv_version": _text(loads["netinv_version"]),
            "options": _text(loads["options"]),
            **{f"{c}:long": pa.array(loads[c].astype("int64")) for c in
               ("files", "records_read", "records_new", "provenance_new", "rejected")},
            "copied_from": _const(source.uri, len(loads)),
        }))
    src = source.sources()
    if len(src):
        src = src.assign(source_key=src["file_sha256"] + ":" + src["kind"]).drop_duplicates("source_key")
        w.write("nodes", "Source", pa.table({
            "source_key:ID(Source)": _text(src["source_key"]), "file_sha256": _text(src["file_sha256"]),
            "path": _text(src["path"]), "size:long": pa.array(src["size"].astype("int64")),
            "encoding": _text(src["encoding"]), "kind": _text(src["kind"]), "profile": _text(src["profile"]),
            **{f"{c}:long": pa.array(src[c].astype("int64")) for c in ("rows", "accepted", "rejected")},
            "load_id": _text(src["load_id"]), "last_load_id": _text(src["last_load_id"]),
        }))

    _write_decisions(w, source)

    # --- record relationships --------------------------------------------------------------------
    say("joining provenance")
    by_kind = {k: prov[prov["kind"] == k] for k in recs}
    if len(calls):
        w.write("relationships", "CALLED", pa.table({
            ":START_ID(Phone)": _text(calls["caller"]), ":END_ID(Phone)": _text(calls["callee"]),
            "record_id": _text(calls["record_id"]), "start:datetime": _utc(calls["start"]),
            "duration_s:long": pa.array(calls["duration_s"].astype("Int64"), from_pandas=True),
            "kind": _text(calls["kind"]), "cell_id": _text(calls["cell_id"]), "imei": _text(calls["imei"]),
            "callee_cell_id": _text(calls["callee_cell_id"]), "callee_imei": _text(calls["callee_imei"]),
            "load_id": lid(len(calls)),
            "provenance:string[]": _provenance_entries(by_kind["calls"], calls["record_id"]),
        }))
        for col, rel, label in (("cell_id", "SEEN_AT", "Location"), ("imei", "INSERTED_IN", "Device")):
            pairs = call_sightings(calls, col)  # the caller's and the callee's
            w.write("relationships", rel, pa.table({
                ":START_ID(Phone)": _text(pairs["phone"]), f":END_ID({label})": _text(pairs["key"]),
                "created_by": lid(len(pairs))}))
    if len(transfers):
        t = transfers
        w.write("relationships", "PAID", pa.table({
            ":START_ID(Account)": _text(t["payer_account"]), ":END_ID(Account)": _text(t["payee_account"]),
            "record_id": _text(t["record_id"]), "amount:double": pa.array(t["amount"].astype("float64")),
            "currency": _text(t["currency"]), "time:datetime": _utc(t["time"]), "channel": _text(t["channel"]),
            "payer_name": _text(t["payer_name"]), "payee_name": _text(t["payee_name"]),
            "reference": _text(t["reference"]), "memo": _text(t["memo"]), "load_id": lid(len(t)),
            "provenance:string[]": _provenance_entries(by_kind["transfers"], t["record_id"]),
        }))
    _write_person_links(w, holders, arrests, by_kind, lid)

    (folder / "import.args").write_text("\n".join(w.files.args) + "\n", encoding="utf-8")
    (folder / "import.json").write_text(json.dumps({
        "import_id": import_id, "source": source.uri, "rows": w.files.rows,
        "array_delimiter": ARRAY_DELIMITER}, indent=1), encoding="utf-8")
    return w.files


def _write_decisions(w: _Writer, source: GraphStore) -> None:
    """The analysts' decisions, undone ones included (as ``netinv push`` copies them)."""
    for label, df, fields in (("Decision", source.decisions(active=False), {"a": "", "b": "", "same": ":boolean"}),
                              ("NumberDecision", source.number_decisions(active=False),
                               {"number": "", "public": ":boolean"})):
        if not len(df):
            continue
        cols = {f"decision_id:ID({label})": _text(df["decision_id"])}
        for name, typ in fields.items():
            cols[name + typ] = pa.array(df[name].astype(bool)) if typ else _text(df[name])
        cols.update({"by": _text(df["by"]), "note": _text(df["note"]),
                     "decided_at:datetime": _utc(df["decided_at"]), "undone_at:datetime": _utc(df["undone_at"])})
        w.write("nodes", label, pa.table(cols))


def _identity(df: pd.DataFrame) -> dict:
    """The identity properties a holders or arrest record carries (as netinv push writes them)."""
    valid = df["id_number_valid"].astype("boolean") if "id_number_valid" in df else pd.Series(pd.NA, index=df.index)
    return {"record_id": _text(df["record_id"]), "name": _text(df["name"]), "id_number": _text(df["id_number"]),
            "id_number_valid:boolean": pa.array(valid.to_numpy(dtype=object, na_value=None), pa.bool_())}


def _write_person_links(w: _Writer, holders: pd.DataFrame, arrests: pd.DataFrame, by_kind: dict, lid) -> None:
    """USES / HOLDS (holders records, and the phone and account found at an arrest), ARRESTED_IN."""
    for rel, col, label in (("USES", "phone", "Phone"), ("HOLDS", "account", "Account")):
        h = holders[holders[col].notna()].reset_index(drop=True)
        a = arrests[arrests[col].notna()].reset_index(drop=True)
        n_h, n_a = len(h), len(a)
        if not n_h + n_a:
            continue
        ident = _identity(h)
        w.write("relationships", rel, pa.concat_tables([
            pa.table({":START_ID(Person)": _text(h["person_id"]), f":END_ID({label})": _text(h[col]),
                    "record_id": ident["record_id"], "origin": _const("holders", n_h),
                    "name": ident["name"], "id_number": ident["id_number"],
                    "id_number_valid:boolean": ident["id_number_valid:boolean"], "load_id": lid(n_h),
                    "provenance:string[]": _provenance_entries(by_kind["holders"], h["record_id"])}),
            pa.table({":START_ID(Person)": _text(a["person_id"]), f":END_ID({label})": _text(a[col]),
                    "record_id": _text(a["record_id"]), "origin": _const("arrests", n_a),
                    "name": pa.nulls(n_a, pa.string()), "id_number": pa.nulls(n_a, pa.string()),
                    "id_number_valid:boolean": pa.nulls(n_a, pa.bool_()), "load_id": lid(n_a),
                    "provenance:string[]": pa.nulls(n_a, pa.string())}),
        ]))
    if len(arrests):
        a = arrests.reset_index(drop=True)
        ident = _identity(a)
        w.write("relationships", "ARRESTED_IN", pa.table({
            ":START_ID(Person)": _text(a["person_id"]), ":END_ID(Case)": _text(a["case_id"]), **ident,
            "date:date": pc.strftime(pa.array(pd.to_datetime(a["date"]).astype("datetime64[s]")), format="%Y-%m-%d"),
            "charge": _text(a["charge"]), "drug": _text(a["drug"]),
            "quantity_g:double": pa.array(a["quantity_g"].astype("Float64"), from_pandas=True),
            "phone": _text(a["phone"]), "account": _text(a["account"]), "location": _text(a["location"]),
            "load_id": lid(len(a)), "provenance:string[]": _provenance_entries(by_kind["arrests"], a["record_id"]),
        }))
