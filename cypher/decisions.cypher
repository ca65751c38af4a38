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
