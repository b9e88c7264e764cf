-- Dripline schema, version 2: usage analytics.
--
-- usage_daily (version 1) keeps the authorizer's decisions per user and
-- UTC day. From this version on its "allowed" also counts free requests
-- (cost 0), so that every request forwarded upstream is in "allowed".
--
-- upstream_daily: what became of the allowed requests, per user and day,
-- written by dripline-collector from the web server's access log. Each
-- logged outcome adds 1 to exactly one of the six outcome columns. The
-- day is the one the authorizer charged, which the web server logs, so a
-- request that ends after midnight stays on its decision's day. A row
-- only exists next to the usage_daily row of the same user and day.
--
-- Allowed requests whose outcome never reached this table (the collector
-- was down, a line was lost or malformed) are "unattributed":
--   unattributed = max(0, usage_daily.allowed - sum of the six outcomes)
-- computed when reported, never stored.
--
-- Latency: count, sum and maximum in microseconds, and a histogram with
-- fixed upper bounds (the column names, inclusive, in milliseconds). The
-- bounds are common/histogram.c's; changing them needs a migration.
CREATE TABLE upstream_daily (
	user_id			TEXT NOT NULL,
	day			TEXT NOT NULL,
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
	PRIMARY KEY (user_id, day),
	FOREIGN KEY (user_id, day) REFERENCES usage_daily (user_id, day)
) WITHOUT ROWID;

CREATE INDEX upstream_daily_day ON upstream_daily (day);

-- Per UTC day, for the whole system: requests the authorizer refused
-- before any quota applied (by the status the client got), and the
-- access log lines dripline-collector could not attribute to a decision.
-- The authorizer adds its counts inside its batch transactions; 503s are
-- added by the first batch that commits after them.
CREATE TABLE system_daily (
	day			TEXT PRIMARY KEY,
	unauthorized		INTEGER NOT NULL DEFAULT 0,	-- 401
	invalid_path		INTEGER NOT NULL DEFAULT 0,	-- 400
	route_not_found		INTEGER NOT NULL DEFAULT 0,	-- 404
	unavailable		INTEGER NOT NULL DEFAULT 0,	-- 503
	log_malformed		INTEGER NOT NULL DEFAULT 0,
	log_unmatched		INTEGER NOT NULL DEFAULT 0	-- no such decision
) WITHOUT ROWID;

-- The source addresses (REMOTE_ADDR) of the day's 401s. The authorizer
-- tracks a bounded number of addresses per day; attempts from addresses
-- beyond that bound are in system_daily.unauthorized only.
CREATE TABLE unauthorized_sources (
	day			TEXT NOT NULL,
	address			TEXT NOT NULL,
	attempts		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, address)
) WITHOUT ROWID;

CREATE INDEX unauthorized_sources_top ON unauthorized_sources (day, attempts);
