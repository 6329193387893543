-- The register of pre-trial claims (clause 8 of the policy), PostgreSQL.
-- golang-migrate file naming; this file also runs alone with psql, and
-- again without harm.
CREATE TABLE IF NOT EXISTS privacy_schema (component text PRIMARY KEY, version integer NOT NULL);

-- One row per claim. What was filed (id to due_ns) never changes; a change
-- of status rewrites only the status columns. Times are timestamptz
-- (microseconds) plus the nanoseconds below them (*_ns, 0-999), so they
-- round-trip exactly.
CREATE TABLE IF NOT EXISTS claims (
	id           text        PRIMARY KEY,
	subject      text        NOT NULL,
	channel      text        NOT NULL,
	topic        text        NOT NULL,
	text_ref     text        NOT NULL DEFAULT '',
	received     timestamptz NOT NULL,
	received_ns  smallint    NOT NULL DEFAULT 0 CHECK (received_ns BETWEEN 0 AND 999),
	due          timestamptz NOT NULL,
	due_ns       smallint    NOT NULL DEFAULT 0 CHECK (due_ns BETWEEN 0 AND 999),
	status       text        NOT NULL CHECK (status IN ('received', 'answered', 'withdrawn', 'escalated')),
	answered     timestamptz,
	answered_ns  smallint    CHECK (answered_ns BETWEEN 0 AND 999),
	answer_ref   text        NOT NULL DEFAULT '',
	withdrawn    timestamptz,
	withdrawn_ns smallint    CHECK (withdrawn_ns BETWEEN 0 AND 999),
	escalated    timestamptz,
	escalated_ns smallint    CHECK (escalated_ns BETWEEN 0 AND 999),
	filed_at     timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS claims_subject ON claims (subject, received, received_ns, id);
CREATE INDEX IF NOT EXISTS claims_pending_due ON claims (due, due_ns, id) WHERE status = 'received';

-- A claim's filing is evidence of when the period started: not rewritten,
-- and no claim is deleted. The one change allowed to the filing is
-- erasure (Forget): the subject replaced by an 'erased:' tombstone and
-- the references emptied, once, on a claim no longer awaiting its answer.
CREATE OR REPLACE FUNCTION claims_filing_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'claims: claims are not deleted';
	END IF;
	IF NEW.id IS DISTINCT FROM OLD.id OR NEW.channel IS DISTINCT FROM OLD.channel
		OR NEW.topic IS DISTINCT FROM OLD.topic OR NEW.received IS DISTINCT FROM OLD.received
		OR NEW.received_ns IS DISTINCT FROM OLD.received_ns OR NEW.due IS DISTINCT FROM OLD.due
		OR NEW.due_ns IS DISTINCT FROM OLD.due_ns OR NEW.filed_at IS DISTINCT FROM OLD.filed_at THEN
		RAISE EXCEPTION 'claims: what was filed does not change';
	END IF;
	IF NEW.subject IS DISTINCT FROM OLD.subject OR NEW.text_ref IS DISTINCT FROM OLD.text_ref THEN
		IF OLD.subject LIKE 'erased:%' OR NEW.subject NOT LIKE 'erased:%' OR NEW.text_ref <> ''
			OR OLD.status = 'received' THEN
			RAISE EXCEPTION 'claims: what was filed does not change';
		END IF;
	END IF;
	RETURN NEW;
END $$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'claims_filing_fixed' AND tgrelid = 'claims'::regclass) THEN
		CREATE TRIGGER claims_filing_fixed BEFORE UPDATE OR DELETE ON claims
			FOR EACH ROW EXECUTE FUNCTION claims_filing_fixed();
	END IF;
END $$;

INSERT INTO privacy_schema (component, version) VALUES ('claims', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
