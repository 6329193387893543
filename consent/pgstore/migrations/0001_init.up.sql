-- consent/pgstore schema, version 1: the consent log.
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql (set search_path to the target schema first).

CREATE TABLE IF NOT EXISTS privacy_schema (
	component text    PRIMARY KEY,
	version   integer NOT NULL
);

-- One row per event, never updated. seq is the append order, which breaks
-- ties between events of the same time. timestamptz keeps microseconds;
-- *_ns keeps the nanoseconds below them (0-999), so times round-trip
-- exactly.
CREATE TABLE IF NOT EXISTS consent_events (
	seq                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                    text        NOT NULL UNIQUE,
	subject               text        NOT NULL,
	action                text        NOT NULL,
	purpose               text        NOT NULL DEFAULT '',
	recipient             text        NOT NULL DEFAULT '',
	policy_version        text        NOT NULL DEFAULT '',
	at_time               timestamptz NOT NULL,
	at_ns                 smallint    NOT NULL DEFAULT 0 CHECK (at_ns BETWEEN 0 AND 999),
	channel               text        NOT NULL DEFAULT '',
	evidence              text        NOT NULL DEFAULT '',
	until_time            timestamptz,
	until_ns              smallint    CHECK (until_ns BETWEEN 0 AND 999),
	third_party_transfer  boolean     NOT NULL DEFAULT false,
	cross_border_transfer boolean     NOT NULL DEFAULT false,
	publication           boolean     NOT NULL DEFAULT false,
	recorded_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS consent_events_subject ON consent_events (subject, at_time, at_ns, seq);

-- Consent is evidence: what was recorded is not rewritten.
CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
		WHERE tgname = 'consent_events_append_only' AND tgrelid = 'consent_events'::regclass) THEN
		CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events
			FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
	END IF;
END
$$;

-- Settings shared by every instance: the key that hashes subjects in
-- change notifications.
CREATE TABLE IF NOT EXISTS consent_meta (
	name  text  PRIMARY KEY,
	value bytea NOT NULL
);

INSERT INTO consent_meta (name, value)
	VALUES ('notify_key', sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')))
	ON CONFLICT (name) DO NOTHING;

INSERT INTO privacy_schema (component, version) VALUES ('consent', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
