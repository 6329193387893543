-- pgledger 0003: the four row checks of 0001 (seq > 0, at_ns within the
-- second, 32-byte hashes) become one constraint with the same rules.
-- PostgreSQL builds every CHECK constraint's expression anew for each
-- INSERT statement, so an append paid for four builds under the chain's
-- lock; now it pays for one. golang-migrate file naming; this file also
-- runs alone with psql, and again without harm.
--
-- Adding the constraint checks the rows already there (one scan of the
-- table, which the old constraints had already checked row by row).

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_constraint
		WHERE conrelid = 'ledger_entries'::regclass AND conname = 'ledger_entries_row_check') THEN
		ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_row_check CHECK (
			seq > 0 AND at_ns BETWEEN 0 AND 999999999 AND length(prev_hash) = 32 AND length(hash) = 32);
	END IF;
END;
$$;

ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ledger_entries_seq_check;
ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ledger_entries_at_ns_check;
ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ledger_entries_prev_hash_check;
ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ledger_entries_hash_check;

INSERT INTO privacy_schema (component, version) VALUES ('ledger', 3)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
