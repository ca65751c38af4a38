// Statements of benchmarks/bench_neo4j_ceiling.py: the server's own write rate on this machine, with
// labels and types of their own (BenchPhone, BENCH_*), so that a case graph in the same database is
// left alone.  $rows = [[caller, callee, id], ...].

// name: create_bench_phone_key
CREATE CONSTRAINT netinv_bench_phone IF NOT EXISTS FOR (n:BenchPhone) REQUIRE n.number IS UNIQUE;

// name: create_bench_keyed_key
CREATE CONSTRAINT netinv_bench_keyed IF NOT EXISTS FOR ()-[r:BENCH_KEYED]-() REQUIRE r.id IS UNIQUE;

// name: await_bench_indexes
CALL db.awaitIndexes($timeout_s);

// name: create_bench_phones
UNWIND $keys AS key MERGE (:BenchPhone {number: key});

// Finding both ends only: the read part every write below shares.
// name: match_bench_pairs
UNWIND $rows AS r
MATCH (a:BenchPhone {number: r[0]})
MATCH (b:BenchPhone {number: r[1]})
RETURN count(*) AS n;

// name: create_bench_bare
UNWIND $rows AS r
MATCH (a:BenchPhone {number: r[0]})
MATCH (b:BenchPhone {number: r[1]})
CREATE (a)-[:BENCH_BARE]->(b);

// name: create_bench_one_property
UNWIND $rows AS r
MATCH (a:BenchPhone {number: r[0]})
MATCH (b:BenchPhone {number: r[1]})
CREATE (a)-[:BENCH_PROP {id: r[2]}]->(b);

// name: create_bench_keyed
UNWIND $rows AS r
MATCH (a:BenchPhone {number: r[0]})
MATCH (b:BenchPhone {number: r[1]})
CREATE (a)-[:BENCH_KEYED {id: r[2]}]->(b);

// name: delete_bench_relationships
MATCH ()-[r:BENCH_BARE|BENCH_PROP|BENCH_KEYED]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_bench_phones
MATCH (n:BenchPhone) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS;

// name: drop_bench_phone_key
DROP CONSTRAINT netinv_bench_phone IF EXISTS;

// name: drop_bench_keyed_key
DROP CONSTRAINT netinv_bench_keyed IF EXISTS;
