-- The consent log: one row per event, never updated. seq is the append
-- order, which breaks ties between events of the same time.
-- Times are unix microseconds (*_us) plus the nanoseconds below them
-- (*_ns, 0-999), so they round-trip exactly.
CREATE TABLE consent_events (
	seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
	id                    TEXT    NOT NULL UNIQUE,
	subject               TEXT    NOT NULL,
	action                TEXT    NOT NULL,
	purpose               TEXT    NOT NULL DEFAULT '',
	recipient             TEXT    NOT NULL DEFAULT '',
	policy_version        TEXT    NOT NULL DEFAULT '',
	at_us                 INTEGER NOT NULL,
	at_ns                 INTEGER NOT NULL DEFAULT 0 CHECK (at_ns BETWEEN 0 AND 999),
	channel               TEXT    NOT NULL DEFAULT '',
	evidence              TEXT    NOT NULL DEFAULT '',
	until_us              INTEGER,
	until_ns              INTEGER CHECK (until_ns BETWEEN 0 AND 999),
	third_party_transfer  INTEGER NOT NULL DEFAULT 0 CHECK (third_party_transfer IN (0, 1)),
	cross_border_transfer INTEGER NOT NULL DEFAULT 0 CHECK (cross_border_transfer IN (0, 1)),
	publication           INTEGER NOT NULL DEFAULT 0 CHECK (publication IN (0, 1)),
	recorded_us           INTEGER NOT NULL
) STRICT;

CREATE INDEX consent_events_subject ON consent_events (subject, at_us, at_ns, seq);

-- Consent is evidence: what was recorded is not rewritten.
CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events
BEGIN
	SELECT RAISE(ABORT, 'consent_events is append-only');
END;
