-- The register of data subjects' requests under Law 94-V: one row per
-- request. What was filed (id to due_ns) never changes, save the erasure
-- of the subject (Forget); a change of status rewrites only the status
-- columns. Times are unix microseconds (*_us) plus nanoseconds (*_ns).
CREATE TABLE requests (
	id          TEXT    PRIMARY KEY,
	subject     TEXT    NOT NULL,
	kind        TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	text_ref    TEXT    NOT NULL DEFAULT '',
	received_us INTEGER NOT NULL,
	received_ns INTEGER NOT NULL DEFAULT 0 CHECK (received_ns BETWEEN 0 AND 999),
	due_us      INTEGER NOT NULL,
	due_ns      INTEGER NOT NULL DEFAULT 0 CHECK (due_ns BETWEEN 0 AND 999),
	status      TEXT    NOT NULL CHECK (status IN ('received', 'answered', 'refused', 'withdrawn')),
	closed_us   INTEGER,
	closed_ns   INTEGER CHECK (closed_ns BETWEEN 0 AND 999),
	answer_ref  TEXT    NOT NULL DEFAULT '',
	reason      TEXT    NOT NULL DEFAULT '',
	filed_us    INTEGER NOT NULL,
	updated_us  INTEGER NOT NULL
) STRICT;

CREATE INDEX requests_subject ON requests (subject, received_us, received_ns, id);
CREATE INDEX requests_pending_due ON requests (due_us, due_ns, id) WHERE status = 'received';

CREATE TRIGGER requests_filing_fixed
BEFORE UPDATE OF id, kind, channel, received_us, received_ns, due_us, due_ns, filed_us ON requests
BEGIN
	SELECT RAISE(ABORT, 'requests: what was filed does not change');
END;

CREATE TRIGGER requests_erasure_only
BEFORE UPDATE OF subject, text_ref ON requests
WHEN NEW.subject IS NOT OLD.subject OR NEW.text_ref IS NOT OLD.text_ref
BEGIN
	SELECT RAISE(ABORT, 'requests: what was filed does not change')
	WHERE OLD.subject LIKE 'erased:%' OR NEW.subject NOT LIKE 'erased:%' OR NEW.text_ref <> ''
		OR OLD.status = 'received';
END;

CREATE TRIGGER requests_not_deleted
BEFORE DELETE ON requests
BEGIN
	SELECT RAISE(ABORT, 'requests: requests are not deleted');
END;
