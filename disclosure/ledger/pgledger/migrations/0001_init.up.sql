-- pgledger 0001: the disclosure ledger, one row per entry, a hash chain in
-- seq order. golang-migrate file naming; this file also runs alone with
-- psql, and again without harm (every statement is idempotent).
--
-- Every column but recorded_at is hashed (see ledger.Entry.Canonical), so a
-- row changed behind the store's back fails ledger.Verify. at_s and at_ns
-- are the entry's time as Unix seconds and the nanoseconds within the
-- second, exactly as hashed. categories is a JSON array of strings, basis a
-- JSON array of {"code": ..., "clause": ...}.

CREATE TABLE IF NOT EXISTS privacy_schema (
	component text PRIMARY KEY,
	version   integer NOT NULL
);

CREATE TABLE IF NOT EXISTS ledger_entries (
	seq            bigint  PRIMARY KEY CHECK (seq > 0),
	at_s           bigint  NOT NULL,
	at_ns          integer NOT NULL CHECK (at_ns BETWEEN 0 AND 999999999),
	subject        text    NOT NULL,
	purpose        text    NOT NULL,
	recipient      text    NOT NULL,
	recipient_kind text    NOT NULL,
	categories     jsonb   NOT NULL,
	basis          jsonb   NOT NULL,
	exception      text    NOT NULL DEFAULT '',
	policy_version text    NOT NULL DEFAULT '',
	reference      text    NOT NULL DEFAULT '',
	prev_hash      bytea   NOT NULL CHECK (length(prev_hash) = 32),
	hash           bytea   NOT NULL CHECK (length(hash) = 32),
	recorded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ledger_entries_subject ON ledger_entries (subject, seq);

-- The ledger is evidence: what was recorded is neither rewritten nor
-- removed, whatever role asks. Dropping these triggers takes the table
-- owner's deliberate effort, and whatever is done after still shows in
-- ledger.Verify.
CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END;
$$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgrelid = 'ledger_entries'::regclass AND tgname = 'ledger_entries_no_update_delete') THEN
		CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
			FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgrelid = 'ledger_entries'::regclass AND tgname = 'ledger_entries_no_truncate') THEN
		CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
			FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();
	END IF;
END;
$$;

INSERT INTO privacy_schema (component, version) VALUES ('ledger', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
