"""Load 1,000,000 call records into Neo4j (the real server) and compare with the embedded store.

    eval "$(scripts/neo4j-local start)"
    .venv/bin/python benchmarks/bench_neo4j.py [--calls 1000000] [--batch 20000]

Target (issue "Neo4j store"): >= 50,000 call records per second on a 2-core machine.  The same
validated batch is written, in one run:

1. to a fresh embedded workspace (the baseline);
2. to an emptied Neo4j database over Bolt (Neo4jStore.write: UNWIND batches, uniqueness checked);
3. the same batches sent with a query that only counts them: the client's share of (2);
4. the offline bulk route for a first load: the embedded workspace of (1) written as import files
   (netinv import-files), `scripts/neo4j-local import` (neo4j-admin import, then swap and restart)
   and the first connection, which creates the constraints on the imported records.  Its total counts
   everything from the validated batch to a database that answers with its constraints in place.

Results go to benchmarks/results/neo4j.json (neo4j-bolt.json, neo4j-bulk.json with --skip-bulk,
--skip-bolt; other sizes add their size to the name).  ``--writers`` sets the concurrent write
transactions of the Bolt route (default: Neo4jStore's, NETINV_NEO4J_WRITERS or 2).  The database
named by NETINV_NEO4J_URI is emptied and replaced: use a server started by scripts/neo4j-local from
this repository (NETINV_NEO4J_HOME).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import CACHE, machine, save


def bulk_route(emb, emb_s: float, emb_counts: dict, uri: str, n: int) -> dict:
    """The offline bulk route, from the embedded workspace written by the baseline."""
    from netinv.store.neo4j import Neo4jStore
    from netinv.store.neo4j_bulk import write_import_files

    folder = CACHE / "bench-neo4j-import"
    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    write_import_files(emb, folder)
    files_s = time.perf_counter() - t
    script = Path(__file__).resolve().parent.parent / "scripts" / "neo4j-local"
    t = time.perf_counter()
    proc = subprocess.run([str(script), "import", str(folder), "--replace-database"], capture_output=True, text=True)
    import_s = time.perf_counter() - t
    if proc.returncode:
        sys.exit(proc.stderr)
    t = time.perf_counter()
    st = Neo4jStore(uri)  # creates the constraints and waits for their indexes
    schema_s = time.perf_counter() - t
    bulk_counts = st.counts()
    st.clear_all(confirm=True)
    st.close()
    shutil.rmtree(folder, ignore_errors=True)
    bulk_s = emb_s + files_s + import_s + schema_s
    assert {k: bulk_counts[k] for k in ("calls", "phones", "devices", "provenance")} == \
        {k: emb_counts[k] for k in ("calls", "phones", "devices", "provenance")}, bulk_counts

    return {
        "bulk_embedded_write_s": round(emb_s, 2),
        "bulk_import_files_s": round(files_s, 2),
        "bulk_neo4j_admin_import_and_restart_s": round(import_s, 2),
        "bulk_first_connect_constraints_s": round(schema_s, 2),
        "bulk_total_s": round(bulk_s, 2),
        "bulk_import_log": [ln for ln in proc.stderr.splitlines() if ln.startswith("neo4j-local")],
        "bulk_records_per_s": round(n / bulk_s),
        "bulk_counts_after": {k: bulk_counts[k] for k in ("calls", "phones", "devices", "provenance")},
        "bulk_meets_target": n / bulk_s >= 50_000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--people", type=int, default=2000, help="people in the generated case")
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--writers", type=int, help="Concurrent write transactions over Bolt (default: Neo4jStore's).")
    ap.add_argument("--skip-bulk", action="store_true", help="Only the Bolt route.")
    ap.add_argument("--skip-bolt", action="store_true", help="Only the bulk route (the Bolt load takes ~100 s).")
    args = ap.parse_args()
    uri = os.environ.get("NETINV_NEO4J_URI")
    if not uri:
        sys.exit("set NETINV_NEO4J_URI (eval \"$(scripts/neo4j-local start)\")")
    from netinv.adapters import read_records
    from netinv.store import EmbeddedStore
    from netinv.store.cypher import Query
    from netinv.store.neo4j import Neo4jStore
    from netinv.synth import generate

    case = CACHE / (f"calls-{args.calls}-seed{args.seed}" + ("" if args.people == 2000 else f"-people{args.people}"))
    if not (case / "manifest.json").exists():
        generate(case, seed=args.seed, people=args.people, target_calls=args.calls)
    files = [case / "cdr" / n for n in ("carrier_a.csv", "carrier_b.csv")]
    t = time.perf_counter()
    batch = read_records("calls", files, "cdr-cn")
    read_s = time.perf_counter() - t
    n = len(batch.records)

    ws = CACHE / "bench-neo4j-embedded.duckdb"
    for p in (ws, ws.with_name(ws.name + ".wal")):
        p.unlink(missing_ok=True)
    emb = EmbeddedStore(ws)
    t = time.perf_counter()
    emb.write(batch)
    emb_s = time.perf_counter() - t
    emb_counts = emb.counts()

    st = Neo4jStore(uri, batch_size=args.batch, writers=args.writers)
    writers = st.writers
    st.clear_all(confirm=True)
    bolt: dict = {}
    if not args.skip_bolt:
        t = time.perf_counter()
        res = st.write(batch)
        neo_s = time.perf_counter() - t
        counts = st.counts()

        # the client's share: identical batches, a query that only counts them
        q = st.q["create_calls_new"]
        st.q["create_calls_new"] = Query(q.name, "UNWIND $pairs AS p UNWIND p[2] AS r "
                                         "RETURN count(*) AS created, 0 AS entries, $load_id AS ignored",
                                         q.doc, q.file, q.line, q.params)
        st.clear_all(confirm=True)
        t = time.perf_counter()
        st._create_paired("calls", "create_calls", "append_call_provenance", batch.records, batch.provenance,
                          "bench")
        client_s = time.perf_counter() - t
        st.q["create_calls_new"] = q
        st.clear_all(confirm=True)
        bolt = {
            "neo4j_write_s": round(neo_s, 2),
            "neo4j_records_per_s": round(n / neo_s),
            "neo4j_client_share_s": round(client_s, 2),
            "neo4j_counts_after": {k: counts[k] for k in ("calls", "phones", "devices", "provenance")},
            "records_new": res.records_new,
            "ratio_neo4j_to_embedded": round(neo_s / emb_s, 1),
            "meets_target": n / neo_s >= 50_000,
        }
    st.close()

    bulk = {} if args.skip_bulk else bulk_route(emb, emb_s, emb_counts, uri, n)
    emb.close()

    result = {
        "benchmark": "write 1M validated call records: Neo4j over Bolt and by offline import vs the embedded store",
        "machine": machine(),
        "calls": n,
        "batch_size": args.batch,
        "writers": writers,
        "read_and_validate_s": round(read_s, 2),
        "embedded_write_s": round(emb_s, 2),
        "embedded_records_per_s": round(n / emb_s),
        **bolt,
        **bulk,
        "target_records_per_s": 50_000,
    }
    name = "neo4j" if args.calls == 1_000_000 else f"neo4j-{args.calls}"
    name += "-bolt" if args.skip_bulk else "-bulk" if args.skip_bolt else ""
    path = save(name, result)
    print(json.dumps(result, indent=2))
    print(f"saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
