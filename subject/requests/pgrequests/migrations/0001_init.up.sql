-- The register of data subjects' requests under Law 94-V, PostgreSQL.
-- golang-migrate file naming; this file also runs alone with psql, and
-- again without harm.
CREATE TABLE IF NOT EXISTS privacy_schema (component text PRIMARY KEY, version integer NOT NULL);

CREATE TABLE IF NOT EXISTS requests (
	id          text        PRIMARY KEY,
	subject     text        NOT NULL,
	kind        text        NOT NULL,
	channel     text        NOT NULL,
	text_ref    text        NOT NULL DEFAULT '',
	received    timestamptz NOT NULL,
	received_ns smallint    NOT NULL DEFAULT 0 CHECK (received_ns BETWEEN 0 AND 999),
	due         timestamptz NOT NULL,
	due_ns      smallint    NOT NULL DEFAULT 0 CHECK (due_ns BETWEEN 0 AND 999),
	status      text        NOT NULL CHECK (status IN ('received', 'answered', 'refused', 'withdrawn')),
	closed      timestamptz,
	closed_ns   smallint    CHECK (closed_ns BETWEEN 0 AND 999),
	answer_ref  text        NOT NULL DEFAULT '',
	reason      text        NOT NULL DEFAULT '',
	filed_at    timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS requests_subject ON requests (subject, received, received_ns, id);
CREATE INDEX IF NOT EXISTS requests_pending_due ON requests (due, due_ns, id) WHERE status = 'received';

-- What was filed is fixed and no request is deleted; the one rewrite
-- allowed is erasure: the subject replaced by an 'erased:' tombstone and
-- the text reference emptied, once, on a request no longer awaiting its
-- answer.
CREATE OR REPLACE FUNCTION requests_filing_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'requests: requests are not deleted';
	END IF;
	IF NEW.id IS DISTINCT FROM OLD.id OR NEW.kind IS DISTINCT FROM OLD.kind
		OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.received IS DISTINCT FROM OLD.received
		OR NEW.received_ns IS DISTINCT FROM OLD.received_ns OR NEW.due IS DISTINCT FROM OLD.due
		OR NEW.due_ns IS DISTINCT FROM OLD.due_ns OR NEW.filed_at IS DISTINCT FROM OLD.filed_at THEN
		RAISE EXCEPTION 'requests: what was filed does not change';
	END IF;
	IF NEW.subject IS DISTINCT FROM OLD.subject OR NEW.text_ref IS DISTINCT FROM OLD.text_ref THEN
		IF OLD.subject LIKE 'erased:%' OR NEW.subject NOT LIKE 'erased:%' OR NEW.text_ref <> ''
			OR OLD.status = 'received' THEN
			RAISE EXCEPTION 'requests: what was filed does not change';
		END IF;
	END IF;
	RETURN NEW;
END $$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'requests_filing_fixed' AND tgrelid = 'requests'::regclass) THEN
		CREATE TRIGGER requests_filing_fixed BEFORE UPDATE OR DELETE ON requests
			FOR EACH ROW EXECUTE FUNCTION requests_filing_fixed();
	END IF;
END $$;

INSERT INTO privacy_schema (component, version) VALUES ('requests', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
