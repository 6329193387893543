-- consent/pgstore schema, version 2: the log refuses DELETE and TRUNCATE
-- too (a withdrawal deleted would bring its grant back), consent_meta is
-- append-only, and the store has an identity that its tokens carry.
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgname = 'consent_events_no_delete' AND tgrelid = 'consent_events'::regclass) THEN
		CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
			FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgname = 'consent_events_no_truncate' AND tgrelid = 'consent_events'::regclass) THEN
		CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
			FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only();
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgname = 'consent_meta_append_only' AND tgrelid = 'consent_meta'::regclass) THEN
		CREATE TRIGGER consent_meta_append_only BEFORE UPDATE OR DELETE ON consent_meta
			FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgname = 'consent_meta_no_truncate' AND tgrelid = 'consent_meta'::regclass) THEN
		CREATE TRIGGER consent_meta_no_truncate BEFORE TRUNCATE ON consent_meta
			FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only();
	END IF;
END
$$;

INSERT INTO consent_meta (name, value)
	VALUES ('store_id', convert_to(replace(gen_random_uuid()::text, '-', ''), 'UTF8'))
	ON CONFLICT (name) DO NOTHING;

INSERT INTO privacy_schema (component, version) VALUES ('consent', 2)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
