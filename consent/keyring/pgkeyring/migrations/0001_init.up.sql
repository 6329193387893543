-- consent/keyring/pgkeyring schema, version 1: one key per subject, found
-- by HMAC-SHA256(pepper, subject). Unlike the logs this table is mutable:
-- erasure deletes its rows.
-- golang-migrate file naming, up-only; idempotent, so this file also runs
-- alone with psql (set search_path to the target schema first).

CREATE TABLE IF NOT EXISTS privacy_schema (
	component text    PRIMARY KEY,
	version   integer NOT NULL
);

CREATE TABLE IF NOT EXISTS privacy_keyring (
	lookup bytea PRIMARY KEY CHECK (length(lookup) = 32),
	key    bytea NOT NULL    CHECK (length(key) = 32)
);

INSERT INTO privacy_schema (component, version) VALUES ('keyring', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
