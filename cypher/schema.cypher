// Constraints and indexes, created before any write (all IF NOT EXISTS, so running them again is harmless).
// Nodes are keyed by their natural identifier; record relationships by record_id (the SHA-256 of the
// record's identifying fields), which is what makes every load idempotent.

// name: create_phone_key
CREATE CONSTRAINT netinv_phone_number IF NOT EXISTS FOR (n:Phone) REQUIRE n.number IS UNIQUE;

// name: create_account_key
CREATE CONSTRAINT netinv_account_number IF NOT EXISTS FOR (n:Account) REQUIRE n.number IS UNIQUE;

// name: create_person_key
CREATE CONSTRAINT netinv_person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.person_id IS UNIQUE;

// name: create_case_key
CREATE CONSTRAINT netinv_case_id IF NOT EXISTS FOR (n:Case) REQUIRE n.case_id IS UNIQUE;

// name: create_location_key
CREATE CONSTRAINT netinv_location_cell IF NOT EXISTS FOR (n:Location) REQUIRE n.cell_id IS UNIQUE;

// name: create_device_key
CREATE CONSTRAINT netinv_device_imei IF NOT EXISTS FOR (n:Device) REQUIRE n.imei IS UNIQUE;

// A handset's key (the first 14 digits of its IMEI, netinv.normalize.handset_keys): one handset
// however its IMEI was written; absent where the IMEI names no handset (a placeholder, a test IMEI).
// name: create_device_handset_index
CREATE INDEX netinv_device_handset IF NOT EXISTS FOR (n:Device) ON (n.handset);

// name: create_load_key
CREATE CONSTRAINT netinv_load_id IF NOT EXISTS FOR (n:Load) REQUIRE n.load_id IS UNIQUE;

// name: create_source_key
CREATE CONSTRAINT netinv_source_key IF NOT EXISTS FOR (n:Source) REQUIRE n.source_key IS UNIQUE;

// name: create_called_key
CREATE CONSTRAINT netinv_called_record IF NOT EXISTS FOR ()-[r:CALLED]-() REQUIRE r.record_id IS UNIQUE;

// name: create_paid_key
CREATE CONSTRAINT netinv_paid_record IF NOT EXISTS FOR ()-[r:PAID]-() REQUIRE r.record_id IS UNIQUE;

// name: create_uses_key
CREATE CONSTRAINT netinv_uses_record IF NOT EXISTS FOR ()-[r:USES]-() REQUIRE r.record_id IS UNIQUE;

// name: create_holds_key
CREATE CONSTRAINT netinv_holds_record IF NOT EXISTS FOR ()-[r:HOLDS]-() REQUIRE r.record_id IS UNIQUE;

// name: create_arrested_in_key
CREATE CONSTRAINT netinv_arrested_in_record IF NOT EXISTS FOR ()-[r:ARRESTED_IN]-() REQUIRE r.record_id IS UNIQUE;

// An interrupted or failed load is undone by its load_id.  Calls and transfers have no such
// index (and no time index): every relationship index slows down writing the millions of them,
// and undoing a load or filtering a time window scans them quickly enough.
// name: create_uses_load_index
CREATE INDEX netinv_uses_load IF NOT EXISTS FOR ()-[r:USES]-() ON (r.load_id);

// name: create_holds_load_index
CREATE INDEX netinv_holds_load IF NOT EXISTS FOR ()-[r:HOLDS]-() ON (r.load_id);

// name: create_arrested_in_load_index
CREATE INDEX netinv_arrested_in_load IF NOT EXISTS FOR ()-[r:ARRESTED_IN]-() ON (r.load_id);

// name: await_indexes
CALL db.awaitIndexes($timeout_s);
