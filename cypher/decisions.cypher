// Analyst decisions on identity: two person ids are, or are not, the same person.  A decision is
// never deleted: undoing it marks it undone, so the log shows who decided what and when.

// name: create_decision
CREATE (:Decision {decision_id: $decision_id, a: $a, b: $b, same: $same, by: $by, note: $note,
                   decided_at: datetime($decided_at)});

// name: undo_decision
MATCH (d:Decision {decision_id: $decision_id})
WHERE d.undone_at IS NULL
SET d.undone_at = datetime($undone_at)
RETURN count(d) AS undone;

// name: read_decisions
MATCH (d:Decision)
WHERE NOT $active OR d.undone_at IS NULL
RETURN d.decision_id AS decision_id, d.a AS a, d.b AS b, d.same AS same, d.by AS by, d.note AS note,
       toString(d.decided_at) AS decided_at, toString(d.undone_at) AS undone_at
ORDER BY d.decided_at, d.decision_id;

// name: create_decision_key
CREATE CONSTRAINT netinv_decision_id IF NOT EXISTS FOR (n:Decision) REQUIRE n.decision_id IS UNIQUE;

// Analyst decisions on a number: a phone number or account (`number`, a typed id such as
// phone:+15550100) is a public one (a taxi firm, a hotline: the analyses leave it out), or it is
// not (a member whom many call: never left out as high-volume).  Undone like identity decisions.

// name: create_number_decision
CREATE (:NumberDecision {decision_id: $decision_id, number: $number, public: $public, by: $by, note: $note,
                         decided_at: datetime($decided_at)});

// name: undo_number_decision
MATCH (d:NumberDecision {decision_id: $decision_id})
WHERE d.undone_at IS NULL
SET d.undone_at = datetime($undone_at)
RETURN count(d) AS undone;

// name: read_number_decisions
MATCH (d:NumberDecision)
WHERE NOT $active OR d.undone_at IS NULL
RETURN d.decision_id AS decision_id, d.number AS number, d.public AS public, d.by AS by, d.note AS note,
       toString(d.decided_at) AS decided_at, toString(d.undone_at) AS undone_at
ORDER BY d.decided_at, d.decision_id;

// name: create_number_decision_key
CREATE CONSTRAINT netinv_number_decision_id IF NOT EXISTS FOR (n:NumberDecision) REQUIRE n.decision_id IS UNIQUE;

// Decisions copied from another store (netinv push): one node per decision id, whatever the
// number of pushes; a decision undone there is marked undone here too.

// name: merge_copied_decisions
UNWIND $rows AS r
MERGE (d:Decision {decision_id: r.decision_id})
  ON CREATE SET d.a = r.a, d.b = r.b, d.same = r.same, d.by = r.by, d.note = r.note,
                d.decided_at = datetime(r.decided_at)
WITH d, r
WHERE r.undone_at IS NOT NULL AND d.undone_at IS NULL
SET d.undone_at = datetime(r.undone_at);

// name: merge_copied_number_decisions
UNWIND $rows AS r
MERGE (d:NumberDecision {decision_id: r.decision_id})
  ON CREATE SET d.number = r.number, d.public = r.public, d.by = r.by, d.note = r.note,
                d.decided_at = datetime(r.decided_at)
WITH d, r
WHERE r.undone_at IS NOT NULL AND d.undone_at IS NULL
SET d.undone_at = datetime(r.undone_at);
