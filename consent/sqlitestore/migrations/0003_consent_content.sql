-- The art. 8 p.4 content of a consent that version 2 did not keep: the
-- operator's name and BIN, and the list of data collected (a JSON array
-- of strings, sorted; '' when none). Rows written before read back with
-- none of them, as they were recorded.
ALTER TABLE consent_events ADD COLUMN operator_name TEXT NOT NULL DEFAULT '';
ALTER TABLE consent_events ADD COLUMN operator_bin  TEXT NOT NULL DEFAULT '';
ALTER TABLE consent_events ADD COLUMN categories    TEXT NOT NULL DEFAULT '';
