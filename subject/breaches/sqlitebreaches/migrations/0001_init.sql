-- The breach register: one row per incident, one row per subject it
-- affects. Times are unix microseconds (*_us) plus nanoseconds (*_ns).
-- What was recorded never changes; a notice is recorded once; the one
-- rewrite allowed is erasure of a subject already notified.
CREATE TABLE breaches (
	id                    TEXT    PRIMARY KEY,
	detected_us           INTEGER NOT NULL,
	detected_ns           INTEGER NOT NULL CHECK (detected_ns BETWEEN 0 AND 999),
	description_ref       TEXT    NOT NULL DEFAULT '',
	authority_due_us      INTEGER NOT NULL,
	authority_due_ns      INTEGER NOT NULL CHECK (authority_due_ns BETWEEN 0 AND 999),
	authority_notified_us INTEGER,
	authority_notified_ns INTEGER CHECK (authority_notified_ns BETWEEN 0 AND 999),
	authority_ref         TEXT    NOT NULL DEFAULT '',
	subjects_due_us       INTEGER NOT NULL,
	subjects_due_ns       INTEGER NOT NULL CHECK (subjects_due_ns BETWEEN 0 AND 999),
	subjects_notified_us  INTEGER,
	subjects_notified_ns  INTEGER CHECK (subjects_notified_ns BETWEEN 0 AND 999),
	subjects_ref          TEXT    NOT NULL DEFAULT '',
	filed_us              INTEGER NOT NULL
) STRICT;

CREATE TABLE breach_subjects (
	breach_id TEXT NOT NULL REFERENCES breaches (id),
	subject   TEXT NOT NULL,
	PRIMARY KEY (breach_id, subject)
) STRICT, WITHOUT ROWID;

CREATE INDEX breach_subjects_subject ON breach_subjects (subject);
CREATE INDEX breaches_authority_owed ON breaches (authority_due_us, authority_due_ns, id) WHERE authority_notified_us IS NULL;
CREATE INDEX breaches_subjects_owed ON breaches (subjects_due_us, subjects_due_ns, id) WHERE subjects_notified_us IS NULL;

CREATE TRIGGER breaches_recorded_fixed
BEFORE UPDATE OF id, detected_us, detected_ns, description_ref, authority_due_us, authority_due_ns,
	subjects_due_us, subjects_due_ns, filed_us ON breaches
BEGIN
	SELECT RAISE(ABORT, 'breaches: what was recorded does not change');
END;

CREATE TRIGGER breaches_notice_once
BEFORE UPDATE OF authority_notified_us, authority_notified_ns, authority_ref,
	subjects_notified_us, subjects_notified_ns, subjects_ref ON breaches
BEGIN
	SELECT RAISE(ABORT, 'breaches: a notice is recorded once')
	WHERE (OLD.authority_notified_us IS NOT NULL AND (NEW.authority_notified_us IS NOT OLD.authority_notified_us
			OR NEW.authority_notified_ns IS NOT OLD.authority_notified_ns OR NEW.authority_ref IS NOT OLD.authority_ref))
		OR (OLD.subjects_notified_us IS NOT NULL AND (NEW.subjects_notified_us IS NOT OLD.subjects_notified_us
			OR NEW.subjects_notified_ns IS NOT OLD.subjects_notified_ns OR NEW.subjects_ref IS NOT OLD.subjects_ref));
END;

CREATE TRIGGER breaches_not_deleted
BEFORE DELETE ON breaches
BEGIN
	SELECT RAISE(ABORT, 'breaches: incidents are not deleted');
END;

CREATE TRIGGER breach_subjects_not_deleted
BEFORE DELETE ON breach_subjects
BEGIN
	SELECT RAISE(ABORT, 'breaches: subjects of an incident are not deleted');
END;

CREATE TRIGGER breach_subjects_erasure_only
BEFORE UPDATE ON breach_subjects
BEGIN
	SELECT RAISE(ABORT, 'breaches: a subject of an incident changes only by erasure')
	WHERE NEW.breach_id IS NOT OLD.breach_id OR OLD.subject LIKE 'erased:%' OR NEW.subject NOT LIKE 'erased:%'
		OR (SELECT subjects_notified_us FROM breaches WHERE id = OLD.breach_id) IS NULL;
END;
