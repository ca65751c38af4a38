// Maintenance: undoing a failed load, and clearing a database for tests.

// A load that failed with the server still up is undone: the records it created are deleted, its
// provenance entries removed from records that existed before it, and nodes it created and left
// without any relationship deleted.  One relationship type per statement (types are never
// parameters).  Deletions run in batches (auto-commit queries), so undoing a large load fits the heap.
// name: delete_load_calls
MATCH ()-[r:CALLED]->() WHERE r.load_id = $load_id
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_load_transfers
MATCH ()-[r:PAID]->() WHERE r.load_id = $load_id
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_load_uses
MATCH ()-[r:USES]->() WHERE r.load_id = $load_id
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_load_holds
MATCH ()-[r:HOLDS]->() WHERE r.load_id = $load_id
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_load_arrests
MATCH ()-[r:ARRESTED_IN]->() WHERE r.load_id = $load_id
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_load_derived
MATCH ()-[r:SEEN_AT|INSERTED_IN]->() WHERE r.created_by = $load_id
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: clear_load_call_ends
MATCH ()-[r:CALLED]->() WHERE r.callee_end_load = $load_id OR r.caller_end_load = $load_id
CALL (r) {
  WITH r, r.caller_end_load = $load_id AS caller, r.callee_end_load = $load_id AS callee
  SET r.cell_id = CASE WHEN caller THEN null ELSE r.cell_id END,
      r.imei = CASE WHEN caller THEN null ELSE r.imei END,
      r.caller_end_load = CASE WHEN caller THEN null ELSE r.caller_end_load END,
      r.callee_cell_id = CASE WHEN callee THEN null ELSE r.callee_cell_id END,
      r.callee_imei = CASE WHEN callee THEN null ELSE r.callee_imei END,
      r.callee_end_load = CASE WHEN callee THEN null ELSE r.callee_end_load END
} IN TRANSACTIONS OF 20000 ROWS;

// name: remove_load_provenance
MATCH ()-[r:CALLED|PAID|USES|HOLDS|ARRESTED_IN]->()
WHERE any(p IN r.provenance WHERE p ENDS WITH $suffix)
SET r.provenance = [p IN r.provenance WHERE NOT p ENDS WITH $suffix];

// name: delete_load_orphans
MATCH (n {created_by: $load_id})
WHERE (n:Phone OR n:Account OR n:Person OR n:Case OR n:Location OR n:Device) AND NOT EXISTS { (n)--() }
DELETE n;

// name: delete_load_sources
MATCH (s:Source {load_id: $load_id}) DELETE s;

// A file the failed load read again gets back the profile and counts it had before.
// name: restore_load_sources
MATCH (s:Source {last_load_id: $load_id})
WHERE s.load_id <> $load_id
SET s.profile = s.before_profile, s.rows = s.before_rows, s.accepted = s.before_accepted,
    s.rejected = s.before_rejected, s.last_load_id = s.before_last_load_id;

// name: mark_load_undone
MATCH (l:Load {load_id: $load_id}) SET l.status = 'undone', l.finished_at = datetime($finished_at);

// Tests and throw-away databases only: everything, relationships first (so that no single inner
// transaction has to detach a hub with a hundred thousand calls), in batches (auto-commit queries).
// name: delete_all_relationships
MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS;

// name: delete_all_nodes
MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS;
