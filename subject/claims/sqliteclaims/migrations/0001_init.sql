-- The register of pre-trial claims (clause 8 of the policy): one row per
-- claim. What was filed (id to due_*) never changes; a change of status
-- rewrites only the status columns.
-- Times are unix microseconds (*_us) plus the nanoseconds below them
-- (*_ns, 0-999), so they round-trip exactly.
CREATE TABLE claims (
	id           TEXT    PRIMARY KEY,
	subject      TEXT    NOT NULL,
	channel      TEXT    NOT NULL,
	topic        TEXT    NOT NULL,
	text_ref     TEXT    NOT NULL DEFAULT '',
	received_us  INTEGER NOT NULL,
	received_ns  INTEGER NOT NULL DEFAULT 0 CHECK (received_ns BETWEEN 0 AND 999),
	due_us       INTEGER NOT NULL,
	due_ns       INTEGER NOT NULL DEFAULT 0 CHECK (due_ns BETWEEN 0 AND 999),
	status       TEXT    NOT NULL CHECK (status IN ('received', 'answered', 'withdrawn', 'escalated')),
	answered_us  INTEGER,
	answered_ns  INTEGER CHECK (answered_ns BETWEEN 0 AND 999),
	answer_ref   TEXT    NOT NULL DEFAULT '',
	withdrawn_us INTEGER,
	withdrawn_ns INTEGER CHECK (withdrawn_ns BETWEEN 0 AND 999),
	escalated_us INTEGER,
	escalated_ns INTEGER CHECK (escalated_ns BETWEEN 0 AND 999),
	filed_us     INTEGER NOT NULL, -- when the row was written
	updated_us   INTEGER NOT NULL  -- when it last changed
) STRICT;

-- A subject's claims, oldest first.
CREATE INDEX claims_subject ON claims (subject, received_us, received_ns, id);

-- The claims awaiting an answer, earliest due first: what the daily
-- reminder reads. Partial, so answered claims do not weigh on it.
CREATE INDEX claims_pending_due ON claims (due_us, due_ns, id) WHERE status = 'received';

-- A claim's filing is evidence of when the period started: not rewritten.
CREATE TRIGGER claims_filing_fixed
BEFORE UPDATE OF id, subject, channel, topic, text_ref, received_us, received_ns, due_us, due_ns, filed_us ON claims
BEGIN
	SELECT RAISE(ABORT, 'claims: what was filed does not change');
END;
