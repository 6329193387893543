-- The consent log: one row per event, never updated. seq is the append
-- order, which breaks ties between events of the same time. timestamptz
-- keeps microseconds; *_ns keeps the nanoseconds below them (0-999), so
-- times round-trip exactly.
CREATE TABLE consent_events (
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

CREATE INDEX consent_events_subject ON consent_events (subject, at_time, at_ns, seq);

-- Consent is evidence: what was recorded is not rewritten.
CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'consent_events is append-only';
END
$$;

CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events
	FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();

-- Settings shared by every instance: the key that hashes subjects in
-- change notifications.
CREATE TABLE consent_meta (
	name  text  PRIMARY KEY,
	value bytea NOT NULL
);
