-- The breach register, PostgreSQL. golang-migrate file naming; this file
-- also runs alone with psql, and again without harm.
CREATE TABLE IF NOT EXISTS privacy_schema (component text PRIMARY KEY, version integer NOT NULL);

CREATE TABLE IF NOT EXISTS breaches (
	id                    text        PRIMARY KEY,
	detected              timestamptz NOT NULL,
	detected_ns           smallint    NOT NULL CHECK (detected_ns BETWEEN 0 AND 999),
	description_ref       text        NOT NULL DEFAULT '',
	authority_due         timestamptz NOT NULL,
	authority_due_ns      smallint    NOT NULL CHECK (authority_due_ns BETWEEN 0 AND 999),
	authority_notified    timestamptz,
	authority_notified_ns smallint    CHECK (authority_notified_ns BETWEEN 0 AND 999),
	authority_ref         text        NOT NULL DEFAULT '',
	subjects_due          timestamptz NOT NULL,
	subjects_due_ns       smallint    NOT NULL CHECK (subjects_due_ns BETWEEN 0 AND 999),
	subjects_notified     timestamptz,
	subjects_notified_ns  smallint    CHECK (subjects_notified_ns BETWEEN 0 AND 999),
	subjects_ref          text        NOT NULL DEFAULT '',
	filed_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS breach_subjects (
	breach_id text NOT NULL REFERENCES breaches (id),
	subject   text NOT NULL,
	PRIMARY KEY (breach_id, subject)
);

CREATE INDEX IF NOT EXISTS breach_subjects_subject ON breach_subjects (subject);
CREATE INDEX IF NOT EXISTS breaches_authority_owed ON breaches (authority_due, authority_due_ns, id) WHERE authority_notified IS NULL;
CREATE INDEX IF NOT EXISTS breaches_subjects_owed ON breaches (subjects_due, subjects_due_ns, id) WHERE subjects_notified IS NULL;

-- What was recorded is fixed, a notice is recorded once, nothing is
-- deleted, and a subject changes only by erasure once notified.
CREATE OR REPLACE FUNCTION breaches_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'breaches: incidents are not deleted';
	END IF;
	IF NEW.id IS DISTINCT FROM OLD.id OR NEW.detected IS DISTINCT FROM OLD.detected
		OR NEW.detected_ns IS DISTINCT FROM OLD.detected_ns OR NEW.description_ref IS DISTINCT FROM OLD.description_ref
		OR NEW.authority_due IS DISTINCT FROM OLD.authority_due OR NEW.authority_due_ns IS DISTINCT FROM OLD.authority_due_ns
		OR NEW.subjects_due IS DISTINCT FROM OLD.subjects_due OR NEW.subjects_due_ns IS DISTINCT FROM OLD.subjects_due_ns
		OR NEW.filed_at IS DISTINCT FROM OLD.filed_at THEN
		RAISE EXCEPTION 'breaches: what was recorded does not change';
	END IF;
	IF (OLD.authority_notified IS NOT NULL AND (NEW.authority_notified IS DISTINCT FROM OLD.authority_notified
			OR NEW.authority_notified_ns IS DISTINCT FROM OLD.authority_notified_ns OR NEW.authority_ref IS DISTINCT FROM OLD.authority_ref))
		OR (OLD.subjects_notified IS NOT NULL AND (NEW.subjects_notified IS DISTINCT FROM OLD.subjects_notified
			OR NEW.subjects_notified_ns IS DISTINCT FROM OLD.subjects_notified_ns OR NEW.subjects_ref IS DISTINCT FROM OLD.subjects_ref)) THEN
		RAISE EXCEPTION 'breaches: a notice is recorded once';
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION breach_subjects_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'breaches: subjects of an incident are not deleted';
	END IF;
	IF NEW.breach_id IS DISTINCT FROM OLD.breach_id OR OLD.subject LIKE 'erased:%' OR NEW.subject NOT LIKE 'erased:%'
		OR (SELECT subjects_notified FROM breaches WHERE id = OLD.breach_id) IS NULL THEN
		RAISE EXCEPTION 'breaches: a subject of an incident changes only by erasure';
	END IF;
	RETURN NEW;
END $$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'breaches_guard' AND tgrelid = 'breaches'::regclass) THEN
		CREATE TRIGGER breaches_guard BEFORE UPDATE OR DELETE ON breaches
			FOR EACH ROW EXECUTE FUNCTION breaches_guard();
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'breach_subjects_guard' AND tgrelid = 'breach_subjects'::regclass) THEN
		CREATE TRIGGER breach_subjects_guard BEFORE UPDATE OR DELETE ON breach_subjects
			FOR EACH ROW EXECUTE FUNCTION breach_subjects_guard();
	END IF;
END $$;

INSERT INTO privacy_schema (component, version) VALUES ('breaches', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
