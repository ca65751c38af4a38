"""What the Neo4j server itself can write on this machine: the ceiling for any Bolt loader.

    eval "$(scripts/neo4j-local start)"
    .venv/bin/python benchmarks/bench_neo4j_ceiling.py [--rows 200000] [--batch 20000]

The issue "Neo4j store" asks for >= 50,000 call records per second.  Every call record is a
relationship between two existing phones, so no loader can go faster than the server creates such
relationships.  This measures, in one run, on the same random pairs among 10,000 phones
(statements in benchmarks/ceiling.cypher, batches of ``UNWIND $rows``, one transaction each):

1. finding both ends only (no write): the read part every write below shares;
2. relationships with no property at all, from one client thread and from two;
3. with one string property (a record id);
4. with that property under a relationship uniqueness constraint (what makes loads idempotent).

netinv's own load (bench_neo4j.py) writes eight properties per call, the provenance list included.
Labels and types are the benchmark's own (BenchPhone, BENCH_*) and are removed afterwards, so a case
graph in the same database is left alone.  Results go to benchmarks/results/neo4j-ceiling.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

from _common import machine, save

HERE = Path(__file__).resolve().parent
TARGET = 50_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--phones", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    uri = os.environ.get("NETINV_NEO4J_URI")
    if not uri:
        sys.exit("set NETINV_NEO4J_URI (eval \"$(scripts/neo4j-local start)\")")
    import neo4j

    from netinv.store.cypher import QueryBook

    book = QueryBook.load(HERE)
    driver = neo4j.GraphDatabase.driver(uri, auth=(os.environ.get("NETINV_NEO4J_USER", "neo4j"),
                                                   os.environ["NETINV_NEO4J_PASSWORD"]))

    def run(name: str, **params):
        q = book[name]
        q.check(params)
        return driver.execute_query(q.text, params)

    def run_auto(name: str) -> None:
        with driver.session() as s:
            s.run(book[name].text).consume()

    numbers = [f"+86139{i:08d}" for i in range(args.phones)]
    rng = random.Random(args.seed)
    rows = [[rng.choice(numbers), rng.choice(numbers), f"bench-{i:012d}"] for i in range(args.rows)]
    batches = [rows[i:i + args.batch] for i in range(0, len(rows), args.batch)]

    def clean() -> None:
        run_auto("delete_bench_relationships")

    def timed(name: str, threads: int = 1) -> float:
        clean()
        todo = [batches[i::threads] for i in range(threads)]
        errors: list[BaseException] = []

        def work(part):
            try:
                for b in part:
                    run(name, rows=b)
            except BaseException as e:  # reported below
                errors.append(e)

        t = time.perf_counter()
        workers = [threading.Thread(target=work, args=(p,)) for p in todo]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        dt = time.perf_counter() - t
        if errors:
            raise errors[0]
        return dt

    try:
        for name in ("create_bench_phone_key", "create_bench_keyed_key"):
            run(name)
        run("await_bench_indexes", timeout_s=300)
        run("create_bench_phones", keys=numbers)
        runs = [("match both ends only (no write)", "match_bench_pairs", 1),
                ("relationships, no property", "create_bench_bare", 1),
                ("relationships, no property, 2 client threads", "create_bench_bare", 2),
                ("relationships, one string property", "create_bench_one_property", 1),
                ("relationships, one string property, unique", "create_bench_keyed", 1),
                ("relationships, one string property, unique, 2 client threads", "create_bench_keyed", 2)]
        table = []
        for label, name, threads in runs:
            dt = timed(name, threads)
            rate = len(rows) / dt
            table.append({"statement": label, "query": name, "client_threads": threads, "seconds": round(dt, 2),
                          "per_s": round(rate), "share_of_target": round(rate / TARGET, 2)})
            print(f"{label:<62} {dt:6.2f} s  {rate:>9,.0f}/s  ({rate / TARGET:.2f} of {TARGET:,}/s)", flush=True)
    finally:
        clean()
        run_auto("delete_bench_phones")
        for name in ("drop_bench_keyed_key", "drop_bench_phone_key"):
            run(name)
        driver.close()
    result = {
        "benchmark": "the Neo4j server's own relationship write rate (the ceiling for any Bolt loader)",
        "machine": machine(), "rows": len(rows), "batch": args.batch, "phones": args.phones,
        "target_records_per_s": TARGET, "runs": table,
    }
    path = save("neo4j-ceiling", result)
    print(json.dumps(result, indent=2))
    print(f"saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
