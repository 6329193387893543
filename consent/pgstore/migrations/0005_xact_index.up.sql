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
-- and this file then finds it and takes no lock. A concurrent build that
-- failed leaves an invalid index of that name behind: this file drops it
-- and builds it again (not concurrently), unless another session holds
-- the table's SHARE UPDATE EXCLUSIVE lock, as a concurrent build does
-- for its whole run: then it fails, asking to be run again, rather than
-- wait for that build (which waits for this transaction in turn).
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql.

DO $$
DECLARE
	idx   regclass;
	valid boolean;
BEGIN
	SELECT i.indexrelid::regclass, i.indisvalid INTO idx, valid FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'consent_events'::regclass AND c.relname = 'consent_events_subject_xact';
	IF valid THEN
		RETURN;
	END IF;
	-- Absent or invalid. A build still running holds the lock; a failed
	-- one holds nothing. Autovacuum holds it too, for a while: try again
	-- for up to 5 s, never waiting in the lock queue.
	FOR attempt IN 1..20 LOOP
		BEGIN
			LOCK TABLE consent_events IN SHARE UPDATE EXCLUSIVE MODE NOWAIT;
			EXIT;
		EXCEPTION WHEN lock_not_available THEN
			IF attempt = 20 THEN
				RAISE EXCEPTION 'consent_events_subject_xact: another session holds consent_events (an index build or a vacuum); run this migration again when it ends'
					USING ERRCODE = 'lock_not_available';
			END IF;
			PERFORM pg_sleep(0.25);
		END;
	END LOOP;
	IF idx IS NOT NULL THEN
		EXECUTE format('DROP INDEX %s', idx);
	END IF;
	CREATE INDEX consent_events_subject_xact ON consent_events (subject, xact);
END
$$;

INSERT INTO privacy_schema (component, version) VALUES ('consent', 5)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
