// Writing records.  Every statement takes a batch ($rows or $keys) and runs in its own transaction.
// Record relationships are created only when no relationship of that type has the record_id yet;
// the provenance of a record seen again (the same transfer in two banks' statements, the same file
// loaded twice) is appended to it only when that entry is new.  Provenance entries are strings
// "file_sha256|row|row_sha256|load_id".

// name: merge_phones
UNWIND $keys AS key
MERGE (n:Phone {number: key})
ON CREATE SET n.created_by = $load_id;

// name: merge_accounts
UNWIND $keys AS key
MERGE (n:Account {number: key})
ON CREATE SET n.created_by = $load_id;

// name: merge_persons
UNWIND $rows AS r
MERGE (n:Person {person_id: r.person_id})
ON CREATE SET n.name = r.name, n.created_by = $load_id;

// name: merge_cases
UNWIND $keys AS key
MERGE (n:Case {case_id: key})
ON CREATE SET n.created_by = $load_id;

// Phones seen at a cell tower and in a handset (derived from call records: the subscriber's side).
// name: merge_seen_at
UNWIND $rows AS r
MATCH (p:Phone {number: r.phone})
MERGE (l:Location {cell_id: r.key})
ON CREATE SET l.created_by = $load_id
MERGE (p)-[s:SEEN_AT]->(l)
ON CREATE SET s.created_by = $load_id;

// A handset is keyed by its IMEI as written; d.handset (r.handset, computed from it) joins one
// handset written two ways.
// name: merge_inserted_in
UNWIND $rows AS r
MATCH (p:Phone {number: r.phone})
MERGE (d:Device {imei: r.key})
ON CREATE SET d.created_by = $load_id, d.handset = r.handset
MERGE (p)-[s:INSERTED_IN]->(d)
ON CREATE SET s.created_by = $load_id;

// Handsets written before Device nodes had their key (netinv 0.x graphs), found once per connection.
// name: read_devices_without_handset
MATCH (d:Device) WHERE d.handset IS NULL
RETURN d.imei AS imei;

// name: set_device_handsets
UNWIND $rows AS r
MATCH (d:Device {imei: r[0]})
SET d.handset = r[1];

// Calls and transfers arrive grouped by their pair of endpoints, as lists rather than maps (half
// the bytes to send and decode): $pairs = [[caller, callee, [[record_id, start_us, duration_s, kind,
// cell_id, imei, callee_cell_id, callee_imei, provenance], ...]], ...].
// name: create_calls
UNWIND $pairs AS p
MATCH (a:Phone {number: p[0]})
MATCH (b:Phone {number: p[1]})
UNWIND p[2] AS r
OPTIONAL MATCH ()-[old:CALLED {record_id: r[0]}]->()
WITH a, b, r WHERE old IS NULL
CREATE (a)-[:CALLED {
  record_id: r[0],
  start: datetime({epochSeconds: r[1] / 1000000, nanosecond: (r[1] % 1000000) * 1000}),
  duration_s: r[2], kind: r[3], cell_id: r[4], imei: r[5], callee_cell_id: r[6], callee_imei: r[7],
  load_id: $load_id, provenance: r[8]}]->(b)
RETURN count(*) AS created, coalesce(sum(size(r[8])), 0) AS entries;

// The same without looking for existing records first: the fast path for a batch of new records.
// A batch holding a record that exists fails on the uniqueness constraint and is redone by create_calls.
// name: create_calls_new
UNWIND $pairs AS p
MATCH (a:Phone {number: p[0]})
MATCH (b:Phone {number: p[1]})
UNWIND p[2] AS r
CREATE (a)-[:CALLED {
  record_id: r[0],
  start: datetime({epochSeconds: r[1] / 1000000, nanosecond: (r[1] % 1000000) * 1000}),
  duration_s: r[2], kind: r[3], cell_id: r[4], imei: r[5], callee_cell_id: r[6], callee_imei: r[7],
  load_id: $load_id, provenance: r[8]}]->(b)
RETURN count(*) AS created, coalesce(sum(size(r[8])), 0) AS entries;

// $rows = [[record_id, provenance, prov_keys], ...]
// name: append_call_provenance
UNWIND $rows AS r
MATCH ()-[c:CALLED {record_id: r[0]}]->()
WITH c, [i IN range(0, size(r[1]) - 1)
          WHERE NOT any(q IN c.provenance WHERE q STARTS WITH r[2][i] + '|') | r[1][i]] AS new
SET c.provenance = c.provenance + new
RETURN count(c) AS found, coalesce(sum(size(new)), 0) AS appended;

// $pairs = [[payer, payee, [[record_id, amount, currency, time_us, channel, payer_name, payee_name,
// reference, memo, provenance], ...]], ...]
// name: create_transfers
UNWIND $pairs AS p
MATCH (a:Account {number: p[0]})
MATCH (b:Account {number: p[1]})
UNWIND p[2] AS r
OPTIONAL MATCH ()-[old:PAID {record_id: r[0]}]->()
WITH a, b, r WHERE old IS NULL
CREATE (a)-[:PAID {
  record_id: r[0], amount: r[1], currency: r[2],
  time: datetime({epochSeconds: r[3] / 1000000, nanosecond: (r[3] % 1000000) * 1000}),
  channel: r[4], payer_name: r[5], payee_name: r[6], reference: r[7], memo: r[8],
  load_id: $load_id, provenance: r[9]}]->(b)
RETURN count(*) AS created, coalesce(sum(size(r[9])), 0) AS entries;

// The same without looking for existing records first: the fast path for a batch of new records.
// A batch holding a record that exists fails on the uniqueness constraint and is redone by create_transfers.
// name: create_transfers_new
UNWIND $pairs AS p
MATCH (a:Account {number: p[0]})
MATCH (b:Account {number: p[1]})
UNWIND p[2] AS r
CREATE (a)-[:PAID {
  record_id: r[0], amount: r[1], currency: r[2],
  time: datetime({epochSeconds: r[3] / 1000000, nanosecond: (r[3] % 1000000) * 1000}),
  channel: r[4], payer_name: r[5], payee_name: r[6], reference: r[7], memo: r[8],
  load_id: $load_id, provenance: r[9]}]->(b)
RETURN count(*) AS created, coalesce(sum(size(r[9])), 0) AS entries;

// name: append_transfer_provenance
UNWIND $rows AS r
MATCH ()-[c:PAID {record_id: r[0]}]->()
WITH c, [i IN range(0, size(r[1]) - 1)
          WHERE NOT any(q IN c.provenance WHERE q STARTS WITH r[2][i] + '|') | r[1][i]] AS new
SET c.provenance = c.provenance + new
RETURN count(c) AS found, coalesce(sum(size(new)), 0) AS appended;

// A holders record becomes USES (its phone) and/or HOLDS (its account), both carrying the record.
// name: create_holder_phones
UNWIND $rows AS r
OPTIONAL MATCH ()-[old:USES {record_id: r.record_id}]->()
WITH r WHERE old IS NULL
MATCH (p:Person {person_id: r.person_id})
MATCH (x:Phone {number: r.phone})
CREATE (p)-[:USES {
  record_id: r.record_id, origin: 'holders', name: r.name, id_number: r.id_number,
  id_number_valid: r.id_number_valid, load_id: $load_id, provenance: r.provenance}]->(x)
RETURN count(*) AS created, coalesce(sum(size(r.provenance)), 0) AS entries;

// name: create_holder_accounts
UNWIND $rows AS r
OPTIONAL MATCH ()-[old:HOLDS {record_id: r.record_id}]->()
WITH r WHERE old IS NULL
MATCH (p:Person {person_id: r.person_id})
MATCH (x:Account {number: r.account})
CREATE (p)-[:HOLDS {
  record_id: r.record_id, origin: 'holders', name: r.name, id_number: r.id_number,
  id_number_valid: r.id_number_valid, load_id: $load_id, provenance: r.provenance}]->(x)
RETURN count(*) AS created, coalesce(sum(size(r.provenance)), 0) AS entries;

// name: append_uses_provenance
UNWIND $rows AS r
MATCH ()-[c:USES {record_id: r.record_id}]->()
WITH c, [i IN range(0, size(r.provenance) - 1)
          WHERE NOT any(q IN c.provenance WHERE q STARTS WITH r.prov_keys[i] + '|') | r.provenance[i]] AS new
SET c.provenance = c.provenance + new
RETURN count(c) AS found, coalesce(sum(size(new)), 0) AS appended;

// name: append_holds_provenance
UNWIND $rows AS r
MATCH ()-[c:HOLDS {record_id: r.record_id}]->()
WITH c, [i IN range(0, size(r.provenance) - 1)
          WHERE NOT any(q IN c.provenance WHERE q STARTS WITH r.prov_keys[i] + '|') | r.provenance[i]] AS new
SET c.provenance = c.provenance + new
RETURN count(c) AS found, coalesce(sum(size(new)), 0) AS appended;

// An arrest record becomes ARRESTED_IN (person -> case) carrying the record; the phone and account
// found on the person become USES / HOLDS marked origin 'arrests' (keyed by the arrest's record_id).
// name: create_arrests
UNWIND $rows AS r
OPTIONAL MATCH ()-[old:ARRESTED_IN {record_id: r.record_id}]->()
WITH r WHERE old IS NULL
MATCH (p:Person {person_id: r.person_id})
MATCH (c:Case {case_id: r.case_id})
CREATE (p)-[:ARRESTED_IN {
  record_id: r.record_id, name: r.name, id_number: r.id_number, id_number_valid: r.id_number_valid,
  date: date(r.date), charge: r.charge, drug: r.drug, quantity_g: r.quantity_g, phone: r.phone,
  account: r.account, location: r.location, load_id: $load_id, provenance: r.provenance}]->(c)
RETURN count(*) AS created, coalesce(sum(size(r.provenance)), 0) AS entries;

// name: append_arrest_provenance
UNWIND $rows AS r
MATCH ()-[c:ARRESTED_IN {record_id: r.record_id}]->()
WITH c, [i IN range(0, size(r.provenance) - 1)
          WHERE NOT any(q IN c.provenance WHERE q STARTS WITH r.prov_keys[i] + '|') | r.provenance[i]] AS new
SET c.provenance = c.provenance + new
RETURN count(c) AS found, coalesce(sum(size(new)), 0) AS appended;

// name: merge_arrest_phones
UNWIND $rows AS r
MATCH (p:Person {person_id: r.person_id})
MATCH (x:Phone {number: r.phone})
MERGE (p)-[u:USES {record_id: r.record_id}]->(x)
ON CREATE SET u.origin = 'arrests', u.load_id = $load_id;

// name: merge_arrest_accounts
UNWIND $rows AS r
MATCH (p:Person {person_id: r.person_id})
MATCH (x:Account {number: r.account})
MERGE (p)-[h:HOLDS {record_id: r.record_id}]->(x)
ON CREATE SET h.origin = 'arrests', h.load_id = $load_id;

// The audit log: a load is 'running' from its first write until it completes.
// name: create_load
CREATE (l:Load {load_id: $load_id, kind: $kind, started_at: datetime($started_at), status: 'running',
                profile: $profile, authority: $authority, netinv_version: $version, options: $options});

// name: finish_load
MATCH (l:Load {load_id: $load_id})
SET l.status = 'complete', l.finished_at = datetime($finished_at), l.files = $files,
    l.records_read = $records_read, l.records_new = $records_new, l.provenance_new = $provenance_new,
    l.rejected = $rejected;

// A file read before keeps its path and first load, and takes this load's profile and the counts of
// its rows now (netinv.store.neo4j_write); the values it had are kept beside them (before_*) for
// undoing this load.  One row per file and kind.
// name: merge_sources
UNWIND $rows AS r
MERGE (s:Source {source_key: r.file_sha256 + ':' + r.kind})
ON CREATE SET s.file_sha256 = r.file_sha256, s.path = r.path, s.size = r.size, s.encoding = r.encoding,
              s.kind = r.kind, s.load_id = $load_id
SET s.before_profile = s.profile, s.before_rows = s.rows, s.before_accepted = s.accepted,
    s.before_rejected = s.rejected, s.before_last_load_id = s.last_load_id
SET s.profile = r.profile, s.rows = r.rows, s.accepted = r.accepted, s.rejected = r.rejected,
    s.last_load_id = $load_id;

// Which of the files ($keys: file_sha256:kind) were read before.
// name: read_source_keys
MATCH (s:Source) WHERE s.source_key IN $keys
RETURN collect(s.source_key) AS keys;

// Per file read before ($shas), how many of its rows the records of the relationship types $types
// hold now, and how many of those are among $rejected ("file_sha256|row": this load's rejected rows).
// A scan of those relationships: it runs only when a load reads a file again.
// name: count_file_rows
MATCH ()-[r:CALLED|PAID|USES|HOLDS|ARRESTED_IN]->()
WHERE type(r) IN $types AND r.provenance IS NOT NULL
UNWIND r.provenance AS entry
WITH split(entry, '|') AS e
WHERE e[0] IN $shas
WITH DISTINCT e[0] AS sha, e[1] AS row
RETURN sha, count(*) AS held, sum(CASE WHEN sha + '|' + row IN $rejected THEN 1 ELSE 0 END) AS rejected_held;

// netinv push: a load copied from another workspace keeps its id, times and authority.
// name: merge_copied_loads
UNWIND $rows AS r
MERGE (l:Load {load_id: r.load_id})
ON CREATE SET l.kind = r.kind, l.started_at = datetime(r.started_at), l.finished_at = datetime(r.finished_at),
              l.status = 'complete', l.profile = r.profile, l.authority = r.authority,
              l.netinv_version = r.netinv_version, l.options = r.options, l.files = r.files,
              l.records_read = r.records_read, l.records_new = r.records_new,
              l.provenance_new = r.provenance_new, l.rejected = r.rejected, l.copied_from = $origin;

// A file pushed again takes the workspace's profile and counts where the workspace read it later
// than this graph last did (its loads are copied first: merge_copied_loads).
// name: merge_copied_sources
UNWIND $rows AS r
MERGE (s:Source {source_key: r.file_sha256 + ':' + r.kind})
ON CREATE SET s.file_sha256 = r.file_sha256, s.path = r.path, s.size = r.size, s.encoding = r.encoding,
              s.kind = r.kind, s.profile = r.profile, s.rows = r.rows, s.accepted = r.accepted,
              s.rejected = r.rejected, s.load_id = r.load_id, s.last_load_id = r.last_load_id
WITH s, r
OPTIONAL MATCH (mine:Load {load_id: coalesce(s.last_load_id, s.load_id)})
OPTIONAL MATCH (theirs:Load {load_id: r.last_load_id})
WITH s, r WHERE theirs.finished_at > mine.finished_at
SET s.profile = r.profile, s.rows = r.rows, s.accepted = r.accepted, s.rejected = r.rejected,
    s.last_load_id = r.last_load_id;

// After a push, a file that both this graph and the workspace had read is counted as the graph now
// holds it ($rows = [{key, accepted}], accepted from count_file_rows): its rows some load took;
// of the later load's rejected rows, no more than the rows that no load took.
// name: recount_copied_sources
UNWIND $rows AS r
MATCH (s:Source {source_key: r.key})
SET s.accepted = r.accepted, s.rejected = CASE WHEN s.rejected > s.rows - r.accepted
                                               THEN s.rows - r.accepted ELSE s.rejected END;

// Calls of the workspace without an end's cell and handset take them from a later load's row
// ($rows = [[record_id, cell_id, imei, callee_cell_id, callee_imei], ...], an end's pair null where
// the call keeps its own); the load is noted on the call (per end) so that undoing it clears them.
// name: fill_call_ends
UNWIND $rows AS r
MATCH ()-[c:CALLED {record_id: r[0]}]->()
CALL (c, r) {
  WITH c, r WHERE (r[1] IS NOT NULL OR r[2] IS NOT NULL) AND c.cell_id IS NULL AND c.imei IS NULL
  SET c.cell_id = r[1], c.imei = r[2], c.caller_end_load = $load_id
}
CALL (c, r) {
  WITH c, r WHERE (r[3] IS NOT NULL OR r[4] IS NOT NULL) AND c.callee_cell_id IS NULL AND c.callee_imei IS NULL
  SET c.callee_cell_id = r[3], c.callee_imei = r[4], c.callee_end_load = $load_id
}
RETURN count(c) AS filled;
