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
-- upstream_daily, which dripline-collector adds to for every logged
-- request, is keyed by (day, user_id) for the same reason, which makes
-- its index on day redundant.
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

CREATE TABLE upstream_daily_v3 (
	day			TEXT NOT NULL,
	user_id			TEXT NOT NULL,
	status_2xx		INTEGER NOT NULL DEFAULT 0,
	status_4xx		INTEGER NOT NULL DEFAULT 0,
	status_5xx		INTEGER NOT NULL DEFAULT 0,
	timed_out		INTEGER NOT NULL DEFAULT 0,	-- 504 by the proxy
	unreachable		INTEGER NOT NULL DEFAULT 0,	-- proxy: no answer
	other			INTEGER NOT NULL DEFAULT 0,	-- 1xx, 3xx, none
	latency_count		INTEGER NOT NULL DEFAULT 0,
	latency_sum_us		INTEGER NOT NULL DEFAULT 0,
	latency_max_us		INTEGER NOT NULL DEFAULT 0,
	latency_le_5ms		INTEGER NOT NULL DEFAULT 0,
	latency_le_10ms		INTEGER NOT NULL DEFAULT 0,
	latency_le_25ms		INTEGER NOT NULL DEFAULT 0,
	latency_le_50ms		INTEGER NOT NULL DEFAULT 0,
	latency_le_100ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_250ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_500ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_1000ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_2500ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_5000ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_10000ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_30000ms	INTEGER NOT NULL DEFAULT 0,
	latency_le_60000ms	INTEGER NOT NULL DEFAULT 0,
	latency_gt_60000ms	INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, user_id),
	FOREIGN KEY (user_id, day) REFERENCES usage_daily (user_id, day)
) WITHOUT ROWID;

INSERT INTO upstream_daily_v3 (
	day, user_id, status_2xx,
	status_4xx, status_5xx, timed_out,
	unreachable, other, latency_count,
	latency_sum_us, latency_max_us, latency_le_5ms,
	latency_le_10ms, latency_le_25ms, latency_le_50ms,
	latency_le_100ms, latency_le_250ms, latency_le_500ms,
	latency_le_1000ms, latency_le_2500ms, latency_le_5000ms,
	latency_le_10000ms, latency_le_30000ms, latency_le_60000ms,
	latency_gt_60000ms)
    SELECT
	day, user_id, status_2xx,
	status_4xx, status_5xx, timed_out,
	unreachable, other, latency_count,
	latency_sum_us, latency_max_us, latency_le_5ms,
	latency_le_10ms, latency_le_25ms, latency_le_50ms,
	latency_le_100ms, latency_le_250ms, latency_le_500ms,
	latency_le_1000ms, latency_le_2500ms, latency_le_5000ms,
	latency_le_10000ms, latency_le_30000ms, latency_le_60000ms,
	latency_gt_60000ms
    FROM upstream_daily;

DROP TABLE upstream_daily;
ALTER TABLE upstream_daily_v3 RENAME TO upstream_daily;

CREATE INDEX api_keys_resolve ON api_keys (secret_hash, user_id, status);
