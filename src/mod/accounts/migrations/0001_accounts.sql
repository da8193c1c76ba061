-- Accounts and organisations: who people are, where they belong, what they
-- may do, and the records every later module shares (audit log, outbox).
-- Same SQL on SQLite and PostgreSQL (see src/db/db.h). Times are Unix
-- seconds (UTC). Secrets (sessions, API tokens, invitation and reset links)
-- are stored only as hashes: a copy of the database cannot log anyone in.

CREATE TABLE organisations (
	id {{id}},
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	type TEXT NOT NULL CHECK (type IN ('health_board', 'nhs_trust', 'local_authority',
		'third_sector', 'independent', 'university', 'national_body')),
	region TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX organisations_name ON organisations (name);

-- email is stored normalised (trimmed, lower case), so UNIQUE is
-- case-insensitive. password_hash is an Argon2id string, NULL for an
-- account that has never set a password.
CREATE TABLE users (
	id {{id}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT,
	language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'cy')),
	created_at BIGINT NOT NULL,
	password_changed_at BIGINT
);

-- A role held on a scope: ('org', organisation id, 'org_lead'),
-- ('global', 0, 'programme_admin'); later modules add their scopes
-- (collab, team, exchange, programme) and roles.
CREATE TABLE memberships (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	scope_type TEXT NOT NULL,
	scope_id BIGINT NOT NULL,
	role TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (user_id, scope_type, scope_id, role)
);
CREATE INDEX memberships_scope ON memberships (scope_type, scope_id);

CREATE TABLE sessions (
	id {{id}},
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	address TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	prefix TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT,
	revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE invitations (
	id {{id}},
	token_hash TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL,
	org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	accepted_at BIGINT,
	accepted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	revoked_at BIGINT
);
CREATE INDEX invitations_org ON invitations (org_id);

CREATE TABLE password_resets (
	id {{id}},
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);

-- Every login attempt, for throttling per account and per address.
CREATE TABLE login_attempts (
	id {{id}},
	email TEXT NOT NULL,
	address TEXT NOT NULL,
	at BIGINT NOT NULL,
	success INTEGER NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, at);
CREATE INDEX login_attempts_address ON login_attempts (address, at);

-- Every change, written in the same transaction as the change. actor_id
-- NULL means the command line. before/after are JSON objects (or NULL).
CREATE TABLE audit_log (
	id {{id}},
	at BIGINT NOT NULL,
	actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id BIGINT,
	before_json TEXT,
	after_json TEXT,
	address TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- Emails waiting to be sent by `collective outbox --send`. attachments is
-- a JSON array of {name, content_type, base64} or NULL.
CREATE TABLE outbox (
	id {{id}},
	kind TEXT NOT NULL,
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	body_text TEXT NOT NULL,
	attachments TEXT,
	created_at BIGINT NOT NULL,
	sent_at BIGINT,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT
);
CREATE INDEX outbox_unsent ON outbox (sent_at, id);

-- Server-wide values shared by every process on one database, such as the
-- key that signs CSRF tokens.
CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
