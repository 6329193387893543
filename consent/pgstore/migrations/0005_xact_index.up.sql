-- consent/pgstore schema, version 5: an index that reaches a user's rows
-- by the transaction that wrote them, so that bringing a cached state
-- forward (a delta refresh) reads only the rows of transactions its
-- snapshot did not see, not every row of the user. For a hot user that
-- is a few rows instead of tens of thousands.
--
-- On a large table, CREATE INDEX holds appends back while it builds. To
-- avoid that, build it first, outside a transaction, under this name:
--
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS consent_events_subject_xact
--       ON consent_events (subject, xact);
--
-- and this file then finds it. A concurrent build that failed leaves an
-- invalid index of that name behind, which this file drops and builds
-- again.
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql.

DO $$
DECLARE
	bad regclass;
BEGIN
	SELECT i.indexrelid::regclass INTO bad FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'consent_events'::regclass
			AND c.relname = 'consent_events_subject_xact' AND NOT i.indisvalid;
	IF bad IS NOT NULL THEN
		EXECUTE format('DROP INDEX %s', bad);
	END IF;
END
$$;

CREATE INDEX IF NOT EXISTS consent_events_subject_xact ON consent_events (subject, xact);

INSERT INTO privacy_schema (component, version) VALUES ('consent', 5)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
