-- pgledger 0002: entries carry the ID of the decision that allowed them
-- (policy.Decision.ID in UUID text form, the decision_id of the decision
-- log record and trace span), so an auditor goes from a disclosure to its
-- decision. golang-migrate file naming; this file also runs alone with
-- psql, and again without harm.
--
-- Rows written before hold '' and are hashed in encoding v1, without the
-- field; rows with an ID are hashed in v2 with it (see
-- ledger.Entry.Canonical), so the column is hashed like every other and
-- old chains still verify. Adding a column with a constant default
-- rewrites no rows and fires no row trigger.

ALTER TABLE ledger_entries ADD COLUMN IF NOT EXISTS decision_id text NOT NULL DEFAULT '';

-- Lookups by decision; entries of before (no ID) stay out of the index.
CREATE INDEX IF NOT EXISTS ledger_entries_decision ON ledger_entries (decision_id) WHERE decision_id <> '';

INSERT INTO privacy_schema (component, version) VALUES ('ledger', 2)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
