-- Dripline schema, version 3: tables laid out for the authorizer's two
-- lookups per request.
--
-- usage_daily is keyed by (day, user_id) instead of (user_id, day), so a
-- day's rows are stored together and the rows the authorizer updates stay
-- in a small part of the file however many days are kept. The former
-- index on (day, units) is gone: it changed with every charge, a second
-- b-tree written for each request. usage_daily_user is the index a user's
-- report reads, and the key upstream_daily refers to; neither changes
-- when units are added to an existing row.
--
-- api_keys_resolve holds everything the authorizer reads of a key, so it
-- finds the key's user without reading the api_keys row.
--
-- The migration runs with foreign key enforcement off, as SQLite's
-- documentation prescribes for rebuilding a table, and the migration
-- runner checks every foreign key before it commits.

CREATE TABLE usage_daily_v3 (
	day		TEXT NOT NULL,
	user_id		TEXT NOT NULL REFERENCES users (id),
	units		INTEGER NOT NULL DEFAULT 0 CHECK (units >= 0),
	allowed		INTEGER NOT NULL DEFAULT 0 CHECK (allowed >= 0),
	denied		INTEGER NOT NULL DEFAULT 0 CHECK (denied >= 0),
	PRIMARY KEY (day, user_id)
) WITHOUT ROWID;

INSERT INTO usage_daily_v3 (day, user_id, units, allowed, denied)
	SELECT day, user_id, units, allowed, denied FROM usage_daily;

DROP TABLE usage_daily;
ALTER TABLE usage_daily_v3 RENAME TO usage_daily;

CREATE UNIQUE INDEX usage_daily_user ON usage_daily (user_id, day);

CREATE INDEX api_keys_resolve ON api_keys (secret_hash, user_id, status);
