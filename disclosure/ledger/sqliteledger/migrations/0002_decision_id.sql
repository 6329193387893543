-- Entries carry the ID of the decision that allowed them (the decision_id
-- of the decision log record and trace span). Rows written before hold ''
-- and are hashed in encoding v1, without the field; rows with an ID in v2
-- (see ledger.Entry.Canonical), so the column is hashed like every other.
ALTER TABLE ledger_entries ADD COLUMN decision_id TEXT NOT NULL DEFAULT '';

-- An auditor looks entries up by decision.
CREATE INDEX ledger_entries_decision ON ledger_entries (decision_id) WHERE decision_id <> '';
