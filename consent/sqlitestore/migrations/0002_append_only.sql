-- The consent log is append-only in the database too: a withdrawal deleted
-- with plain SQL would bring its grant back.
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN
	SELECT RAISE(ABORT, 'consent_events is append-only');
END;

-- What identifies this file: tokens (commit positions) name it, so a token
-- from another file is refused rather than read as a lower position.
CREATE TABLE consent_meta (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

INSERT INTO consent_meta (name, value) VALUES ('store_id', lower(hex(randomblob(16))));

CREATE TRIGGER consent_meta_no_update BEFORE UPDATE ON consent_meta
BEGIN
	SELECT RAISE(ABORT, 'consent_meta is append-only');
END;

CREATE TRIGGER consent_meta_no_delete BEFORE DELETE ON consent_meta
BEGIN
	SELECT RAISE(ABORT, 'consent_meta is append-only');
END;
