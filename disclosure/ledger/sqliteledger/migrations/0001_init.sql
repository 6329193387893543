-- The disclosure ledger: one row per entry, a hash chain in seq order.
-- Every column but recorded_us is hashed (see ledger.Entry.Canonical), so
-- a row changed behind the store's back fails ledger.Verify.
-- at_s and at_ns are the entry's time as Unix seconds and the nanoseconds
-- within the second, exactly as hashed. categories and basis are JSON
-- arrays (["identity", ...] and [{"code": ..., "clause": ...}, ...]).
CREATE TABLE ledger_entries (
	seq            INTEGER PRIMARY KEY CHECK (seq > 0),
	at_s           INTEGER NOT NULL,
	at_ns          INTEGER NOT NULL CHECK (at_ns BETWEEN 0 AND 999999999),
	subject        TEXT    NOT NULL,
	purpose        TEXT    NOT NULL,
	recipient      TEXT    NOT NULL,
	recipient_kind TEXT    NOT NULL,
	categories     TEXT    NOT NULL,
	basis          TEXT    NOT NULL,
	exception      TEXT    NOT NULL DEFAULT '',
	policy_version TEXT    NOT NULL DEFAULT '',
	reference      TEXT    NOT NULL DEFAULT '',
	prev_hash      BLOB    NOT NULL CHECK (length(prev_hash) = 32),
	hash           BLOB    NOT NULL CHECK (length(hash) = 32),
	recorded_us    INTEGER NOT NULL
) STRICT;

CREATE INDEX ledger_entries_subject ON ledger_entries (subject, seq);

-- The ledger is evidence: what was recorded is neither rewritten nor
-- removed. Dropping these triggers takes deliberate effort, and whatever is
-- done after still shows in ledger.Verify.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
	SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
	SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
