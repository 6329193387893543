-- consent/pgstore schema, version 3: the art. 8 p.4 content of a consent
-- that version 2 did not keep: the operator's name and BIN, and the list
-- of data collected (a text array, sorted, empty when none). Rows written
-- before read back with none of them, as they were recorded.
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql.

ALTER TABLE consent_events ADD COLUMN IF NOT EXISTS operator_name text   NOT NULL DEFAULT '';
ALTER TABLE consent_events ADD COLUMN IF NOT EXISTS operator_bin  text   NOT NULL DEFAULT '';
ALTER TABLE consent_events ADD COLUMN IF NOT EXISTS categories    text[] NOT NULL DEFAULT '{}';

INSERT INTO privacy_schema (component, version) VALUES ('consent', 3)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
