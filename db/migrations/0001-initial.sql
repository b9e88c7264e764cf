-- Dripline schema, version 1: end users, their API keys, admin tokens,
-- daily usage, and the audit trail of control-plane changes.
--
-- Ids are lower-case UUIDs stored as text. Times are RFC 3339 UTC text.
-- Days are UTC calendar days written YYYY-MM-DD. Secrets are never stored:
-- keys and tokens are kept as the hex SHA-256 of the secret.

CREATE TABLE users (
	id		TEXT PRIMARY KEY,
	external_id	TEXT NOT NULL UNIQUE,
	daily_limit	INTEGER NOT NULL CHECK (daily_limit >= 0),
	status		TEXT NOT NULL DEFAULT 'active'
			    CHECK (status IN ('active', 'revoked')),
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	revoked_at	TEXT
) WITHOUT ROWID;

CREATE INDEX users_status ON users (status, id);

CREATE TABLE api_keys (
	id		TEXT PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users (id),
	name		TEXT NOT NULL,
	prefix		TEXT NOT NULL,		-- shown to people, not secret
	secret_hash	TEXT NOT NULL UNIQUE,	-- hex SHA-256 of the key
	status		TEXT NOT NULL DEFAULT 'active'
			    CHECK (status IN ('active', 'revoked')),
	created_at	TEXT NOT NULL,
	revoked_at	TEXT
) WITHOUT ROWID;

CREATE INDEX api_keys_user ON api_keys (user_id, id);

CREATE TABLE admin_tokens (
	id		TEXT PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	prefix		TEXT NOT NULL,
	secret_hash	TEXT NOT NULL UNIQUE,
	status		TEXT NOT NULL DEFAULT 'active'
			    CHECK (status IN ('active', 'revoked')),
	created_at	TEXT NOT NULL,
	revoked_at	TEXT
) WITHOUT ROWID;

-- One row per user and UTC day that saw a decision. The authorizer's
-- check-and-increment keeps units <= the user's limit at the time of each
-- charge; a later lower limit does not rewrite history.
CREATE TABLE usage_daily (
	user_id		TEXT NOT NULL REFERENCES users (id),
	day		TEXT NOT NULL,
	units		INTEGER NOT NULL DEFAULT 0 CHECK (units >= 0),
	allowed		INTEGER NOT NULL DEFAULT 0 CHECK (allowed >= 0),
	denied		INTEGER NOT NULL DEFAULT 0 CHECK (denied >= 0),
	PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

CREATE INDEX usage_daily_day ON usage_daily (day, units);

CREATE TABLE audit (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	at		TEXT NOT NULL,
	token_id	TEXT,
	token_name	TEXT,
	action		TEXT NOT NULL,
	target_id	TEXT,
	client_address	TEXT,
	outcome		TEXT NOT NULL,
	detail		TEXT
);
