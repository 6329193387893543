-- consent/pgstore schema, version 4: each event row records the ID of the
-- transaction that wrote it (xid8, as pg_current_xact_id() gives it), so
-- that an instance whose cached state was read at a known snapshot can
-- read only the rows that snapshot did not see. Adding the column is
-- instant (no rewrite); rows written before carry NULL, and every
-- snapshot an instance of this version takes sees them.
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql.

ALTER TABLE consent_events ADD COLUMN IF NOT EXISTS xact xid8;
ALTER TABLE consent_events ALTER COLUMN xact SET DEFAULT pg_current_xact_id();

INSERT INTO privacy_schema (component, version) VALUES ('consent', 4)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
