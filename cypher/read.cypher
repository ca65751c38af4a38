// Reading records back and answering the graph questions every store answers.  Times come back as
// epoch microseconds (UTC) and dates as ISO text, so that frames are identical on every store.
// Windows are half-open [$since, $until); an open end is passed as a far date.

// name: count_records
CALL () { MATCH ()-[r:CALLED]->() RETURN count(r) AS calls }
CALL () { MATCH ()-[r:PAID]->() RETURN count(r) AS transfers }
CALL () { MATCH ()-[r:USES|HOLDS]->() WHERE r.origin = 'holders' RETURN count(DISTINCT r.record_id) AS holders }
CALL () { MATCH ()-[r:ARRESTED_IN]->() RETURN count(r) AS arrests }
RETURN calls, transfers, holders, arrests;

// Nodes left behind by an interrupted load (no relationship yet) are not counted.
// name: count_nodes
CALL () { MATCH (n:Phone) WHERE EXISTS { (n)--() } RETURN count(n) AS phones }
CALL () { MATCH (n:Account) WHERE EXISTS { (n)--() } RETURN count(n) AS accounts }
CALL () { MATCH (n:Person) WHERE EXISTS { (n)--() } RETURN count(n) AS persons }
CALL () { MATCH (n:Case) WHERE EXISTS { (n)--() } RETURN count(n) AS cases }
CALL () { MATCH ()-[r:CALLED|PAID|USES|HOLDS|ARRESTED_IN]->() WHERE r.provenance IS NOT NULL
          RETURN sum(size(r.provenance)) AS provenance }
CALL () { MATCH (s:Source) RETURN count(s) AS files }
RETURN phones, accounts, persons, cases, provenance, files;

// One result row per calling phone, its calls in the window as a list of
// [record_id, callee, start_us, duration_s, kind, cell_id, imei, callee_cell_id, callee_imei]:
// a row per call costs the driver a message each (78,000 calls: 1.3 s against 0.4-0.7 s so).
// name: read_calls
MATCH (a:Phone)
CALL (a) {
  MATCH (a)-[c:CALLED]->(b:Phone)
  WHERE c.start >= $since AND c.start < $until
  RETURN collect([c.record_id, b.number, c.start.epochSeconds * 1000000 + c.start.microsecond, c.duration_s,
                  c.kind, c.cell_id, c.imei, c.callee_cell_id, c.callee_imei]) AS calls
}
WITH a, calls WHERE size(calls) > 0
RETURN a.number AS caller, calls;

// The calls from one phone to others, for each [caller, [callee, ...]] of $pairs, in
// [$since, $until) (both phones sought by their unique number, the calls between them expanded):
// one row per caller with its calls as lists, as read_calls gives them.
// name: read_calls_between
UNWIND $pairs AS p
MATCH (a:Phone {number: p[0]})
CALL (a, p) {
  UNWIND p[1] AS callee
  MATCH (a)-[c:CALLED]->(b:Phone {number: callee})
  WHERE c.start >= $since AND c.start < $until
  RETURN collect([c.record_id, b.number, c.start.epochSeconds * 1000000 + c.start.microsecond, c.duration_s,
                  c.kind, c.cell_id, c.imei, c.callee_cell_id, c.callee_imei]) AS calls
}
WITH a, calls WHERE size(calls) > 0
RETURN a.number AS caller, calls;

// The calls of some phones, either way, in [$since, $until): one row per phone of $numbers (sought
// by its unique number) with its calls as lists [record_id, caller, callee, start_us, duration_s,
// kind, cell_id, imei, callee_cell_id, callee_imei]; a call between two of them comes once, with
// its caller's.
// name: read_calls_of
UNWIND $numbers AS n
MATCH (p:Phone {number: n})
CALL (p) {
  MATCH (p)-[c:CALLED]->(b:Phone)
  WHERE c.start >= $since AND c.start < $until
  RETURN collect([c.record_id, p.number, b.number, c.start.epochSeconds * 1000000 + c.start.microsecond,
                  c.duration_s, c.kind, c.cell_id, c.imei, c.callee_cell_id, c.callee_imei]) AS made
}
CALL (p) {
  MATCH (a:Phone)-[c:CALLED]->(p)
  WHERE c.start >= $since AND c.start < $until AND NOT a.number IN $numbers
  RETURN collect([c.record_id, a.number, p.number, c.start.epochSeconds * 1000000 + c.start.microsecond,
                  c.duration_s, c.kind, c.cell_id, c.imei, c.callee_cell_id, c.callee_imei]) AS taken
}
WITH p, made + taken AS calls WHERE size(calls) > 0
RETURN p.number AS phone, calls;

// Every handset and phone seen together (either end of their calls: the INSERTED_IN links).
// name: read_phone_handsets
MATCH (p:Phone)-[:INSERTED_IN]->(d:Device)
RETURN DISTINCT d.imei AS imei, p.number AS phone
ORDER BY imei, phone;

// The same for the handsets $keys only (Device.handset: the IMEI's handset key, indexed).
// name: read_handset_phones
MATCH (d:Device) WHERE d.handset IN $keys
MATCH (p:Phone)-[:INSERTED_IN]->(d)
RETURN DISTINCT d.imei AS imei, p.number AS phone
ORDER BY imei, phone;

// Every IMEI value of the calls at either end, as written, with the call ends that have it.
// One row: the values and their counts as two lists (a row per value cost a message each).
// name: read_imei_values
MATCH ()-[r:CALLED]->()
UNWIND [r.imei, r.callee_imei] AS imei
WITH imei WHERE imei IS NOT NULL
WITH imei, count(*) AS ends
ORDER BY imei
RETURN collect(imei) AS imei, collect(ends) AS ends;

// One result row per paying account, its transfers in the window as a list of [record_id,
// payee_account, amount, currency, time_us, channel, payer_name, payee_name, reference, memo].
// name: read_transfers
MATCH (a:Account)
CALL (a) {
  MATCH (a)-[t:PAID]->(b:Account)
  WHERE t.time >= $since AND t.time < $until
  RETURN collect([t.record_id, b.number, t.amount, t.currency, t.time.epochSeconds * 1000000 + t.time.microsecond,
                  t.channel, t.payer_name, t.payee_name, t.reference, t.memo]) AS transfers
}
WITH a, transfers WHERE size(transfers) > 0
RETURN a.number AS payer_account, transfers;

// name: read_holders
MATCH (p:Person)-[r:USES|HOLDS]->(x)
WHERE r.origin = 'holders'
RETURN r.record_id AS record_id, p.person_id AS person_id, r.name AS name, r.id_number AS id_number,
       r.id_number_valid AS id_number_valid,
       CASE WHEN x:Phone THEN x.number END AS phone, CASE WHEN x:Account THEN x.number END AS account;

// name: read_arrests
MATCH (p:Person)-[a:ARRESTED_IN]->(c:Case)
WHERE a.date >= date($since) AND a.date < date($until)
RETURN a.record_id AS record_id, c.case_id AS case_id, p.person_id AS person_id, a.name AS name,
       a.id_number AS id_number, a.id_number_valid AS id_number_valid, toString(a.date) AS date,
       a.charge AS charge, a.drug AS drug, a.quantity_g AS quantity_g, a.phone AS phone, a.account AS account,
       a.location AS location;

// name: read_provenance
MATCH ()-[r:CALLED|PAID|USES|HOLDS|ARRESTED_IN]->()
WHERE r.provenance IS NOT NULL
WITH DISTINCT r.record_id AS record_id, type(r) AS type, r.provenance AS provenance
UNWIND provenance AS entry
RETURN record_id, type, entry;

// The same for the records $ids only, each found through its type's record_id constraint (a scan
// of every relationship took 11 s for 71 calls among 2.5 million), as one row: a list of
// [record_id, type, provenance entries] (a row per entry cost the driver a message each: 100,000
// calls 3.3 s so, 1.5 s now).
// name: read_provenance_of
UNWIND $ids AS id
CALL (id) {
  MATCH ()-[r:CALLED {record_id: id}]->() RETURN r
  UNION
  MATCH ()-[r:PAID {record_id: id}]->() RETURN r
  UNION
  MATCH ()-[r:USES {record_id: id}]->() RETURN r
  UNION
  MATCH ()-[r:HOLDS {record_id: id}]->() RETURN r
  UNION
  MATCH ()-[r:ARRESTED_IN {record_id: id}]->() RETURN r
}
WITH DISTINCT r
WHERE r.provenance IS NOT NULL
RETURN collect([r.record_id, type(r), r.provenance]) AS records;

// The same for calls only ($ids of calls: a load's call matching), through the CALLED constraint alone.
// name: read_call_provenance_of
UNWIND $ids AS id
MATCH ()-[r:CALLED {record_id: id}]->()
WHERE r.provenance IS NOT NULL
RETURN collect([r.record_id, type(r), r.provenance]) AS records;

// name: read_sources
MATCH (s:Source)
OPTIONAL MATCH (l:Load {load_id: s.load_id})
OPTIONAL MATCH (ll:Load {load_id: coalesce(s.last_load_id, s.load_id)})
RETURN s.path AS path, s.file_sha256 AS file_sha256, s.size AS size, s.encoding AS encoding, s.kind AS kind,
       s.profile AS profile, s.rows AS rows, s.accepted AS accepted, s.rejected AS rejected,
       toString(l.finished_at) AS loaded_at, l.authority AS authority, s.load_id AS load_id,
       coalesce(s.last_load_id, s.load_id) AS last_load_id, toString(ll.finished_at) AS last_loaded_at;

// name: read_loads
MATCH (l:Load)
RETURN l.load_id AS load_id, l.kind AS kind, toString(l.started_at) AS started_at,
       toString(l.finished_at) AS finished_at, l.status AS status, l.profile AS profile, l.authority AS authority,
       l.netinv_version AS netinv_version, l.options AS options, l.files AS files, l.records_read AS records_read,
       l.records_new AS records_new, l.provenance_new AS provenance_new, l.rejected AS rejected
ORDER BY l.started_at;

// Layer edges aggregated per (source, target): the projection every store returns.
// One result row per calling phone: its edges in the window, each
// [target, count, duration_s, first_us, last_us] (a row per edge cost the driver a message each).
// name: aggregate_call_edges
MATCH (a:Phone)
CALL (a) {
  MATCH (a)-[c:CALLED]->(b:Phone)
  WHERE c.start >= $since AND c.start < $until
  WITH b.number AS target, count(c) AS count, sum(c.duration_s) AS duration_s,
       count(c.duration_s) AS with_duration, min(c.start) AS first, max(c.start) AS last
  RETURN collect([target, count, CASE WHEN with_duration = 0 THEN null ELSE duration_s END,
                  first.epochSeconds * 1000000 + first.microsecond,
                  last.epochSeconds * 1000000 + last.microsecond]) AS edges
}
WITH a, edges WHERE size(edges) > 0
RETURN a.number AS source, edges;

// One result row per paying account: its edges, each [target, count, amount, currency, first_us, last_us].
// name: aggregate_money_edges
MATCH (a:Account)
CALL (a) {
  MATCH (a)-[t:PAID]->(b:Account)
  WHERE t.time >= $since AND t.time < $until
  WITH b.number AS target, count(t) AS count, sum(t.amount) AS amount,
       collect(DISTINCT t.currency) AS currencies, min(t.time) AS first, max(t.time) AS last
  RETURN collect([target, count, amount, CASE WHEN size(currencies) = 1 THEN currencies[0] ELSE 'MIXED' END,
                  first.epochSeconds * 1000000 + first.microsecond,
                  last.epochSeconds * 1000000 + last.microsecond]) AS edges
}
WITH a, edges WHERE size(edges) > 0
RETURN a.number AS source, edges;

// The phones (accounts) at either end of a call (transfer) in the window, each once: the nodes of
// the layer without aggregating its edges (one matching relationship is enough for each).
// One row, the identifiers in a list: a row each cost the driver a message each.
// name: read_call_nodes
MATCH (p:Phone)
WHERE EXISTS { MATCH (p)-[c:CALLED]-(:Phone) WHERE c.start >= $since AND c.start < $until }
RETURN collect(p.number) AS ids;

// name: read_money_nodes
MATCH (a:Account)
WHERE EXISTS { MATCH (a)-[t:PAID]-(:Account) WHERE t.time >= $since AND t.time < $until }
RETURN collect(a.number) AS ids;

// name: aggregate_co_arrest_edges
MATCH (x:Person)-[ax:ARRESTED_IN]->(c:Case)<-[ay:ARRESTED_IN]-(y:Person)
WHERE x <> y AND ax.date >= date($since) AND ax.date < date($until)
  AND ay.date >= date($since) AND ay.date < date($until)
RETURN x.person_id AS source, y.person_id AS target, count(DISTINCT c) AS count,
       toString(min(CASE WHEN ax.date < ay.date THEN ax.date ELSE ay.date END)) AS first,
       toString(max(CASE WHEN ax.date > ay.date THEN ax.date ELSE ay.date END)) AS last;
