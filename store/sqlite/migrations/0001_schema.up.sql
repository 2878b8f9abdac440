-- The accountapi schema on SQLite. Migrate runs every migration of this
-- directory, and its own bookkeeping, in one BEGIN IMMEDIATE transaction, so
-- this file is not a .tx.up.sql one (a transaction cannot nest).
--
-- Times are Unix milliseconds (INTEGER); JSON is TEXT; booleans are 0/1.
-- Every index and key is named as in store/internal/sqlstore, which maps a
-- violation of the unique ones to the store's errors.

CREATE TABLE IF NOT EXISTS accountapi_users (
	id                  TEXT    NOT NULL,
	username            TEXT,
	primary_email       TEXT,
	email_key           TEXT,
	primary_phone       TEXT,
	phone_key           TEXT,
	name                TEXT,
	avatar              TEXT,
	profile             TEXT    NOT NULL DEFAULT '{}',
	custom_data         TEXT    NOT NULL DEFAULT '{}',
	logto_config        TEXT    NOT NULL DEFAULT '{}',
	password_digest     TEXT,
	password_algorithm  TEXT,
	password_updated_at INTEGER,
	is_password_expired BOOLEAN NOT NULL DEFAULT FALSE,
	is_suspended        BOOLEAN NOT NULL DEFAULT FALSE,
	application_id      TEXT,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	last_sign_in_at     INTEGER,
	CONSTRAINT accountapi_users_pkey PRIMARY KEY (id)
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_users_username_key ON accountapi_users (username);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_users_email_key_key ON accountapi_users (email_key);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_users_phone_key_key ON accountapi_users (phone_key);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_user_identities (
	user_id        TEXT NOT NULL,
	target         TEXT NOT NULL,
	social_user_id TEXT NOT NULL,
	details        TEXT,
	CONSTRAINT accountapi_user_identities_pkey PRIMARY KEY (user_id, target),
	CONSTRAINT accountapi_user_identities_user_id_fkey FOREIGN KEY (user_id)
		REFERENCES accountapi_users (id) ON DELETE CASCADE
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_user_identities_target_social_user_id_key
	ON accountapi_user_identities (target, social_user_id);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_mfa_factors (
	id                        TEXT    NOT NULL,
	user_id                   TEXT    NOT NULL,
	type                      TEXT    NOT NULL,
	created_at                INTEGER NOT NULL,
	last_used_at              INTEGER,
	totp_secret               TEXT,
	totp_last_used_step       INTEGER,
	webauthn_rp_id            TEXT,
	webauthn_credential_id    BLOB,
	webauthn_public_key       BLOB,
	webauthn_sign_count       INTEGER,
	webauthn_transports       TEXT,
	webauthn_aaguid           BLOB,
	webauthn_attestation_type TEXT,
	webauthn_agent            TEXT,
	webauthn_name             TEXT,
	webauthn_backup_eligible  BOOLEAN,
	webauthn_backup_state     BOOLEAN,
	CONSTRAINT accountapi_mfa_factors_pkey PRIMARY KEY (id),
	CONSTRAINT accountapi_mfa_factors_user_id_fkey FOREIGN KEY (user_id)
		REFERENCES accountapi_users (id) ON DELETE CASCADE
);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_mfa_factors_user_id_idx
	ON accountapi_mfa_factors (user_id, created_at, id);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_mfa_factors_credential_id_key
	ON accountapi_mfa_factors (webauthn_credential_id);

--bun:split

-- A user has at most one TOTP factor.
CREATE UNIQUE INDEX IF NOT EXISTS accountapi_mfa_factors_totp_key
	ON accountapi_mfa_factors (user_id) WHERE type = 'Totp';

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_backup_codes (
	factor_id TEXT    NOT NULL,
	idx       INTEGER NOT NULL,
	code      TEXT    NOT NULL,
	used_at   INTEGER,
	CONSTRAINT accountapi_backup_codes_pkey PRIMARY KEY (factor_id, idx),
	CONSTRAINT accountapi_backup_codes_factor_id_fkey FOREIGN KEY (factor_id)
		REFERENCES accountapi_mfa_factors (id) ON DELETE CASCADE
);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_verification_records (
	id         TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	user_id    TEXT,
	created_by TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	data       TEXT    NOT NULL,
	CONSTRAINT accountapi_verification_records_pkey PRIMARY KEY (id),
	CONSTRAINT accountapi_verification_records_user_id_fkey FOREIGN KEY (user_id)
		REFERENCES accountapi_users (id) ON DELETE CASCADE,
	CONSTRAINT accountapi_verification_records_created_by_fkey FOREIGN KEY (created_by)
		REFERENCES accountapi_users (id) ON DELETE CASCADE
);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_verification_records_expires_at_idx
	ON accountapi_verification_records (expires_at);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_verification_records_user_id_idx
	ON accountapi_verification_records (user_id);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_verification_records_created_by_idx
	ON accountapi_verification_records (created_by);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_verification_codes (
	id               TEXT    NOT NULL,
	record_id        TEXT    NOT NULL,
	template_type    TEXT    NOT NULL,
	destination_type TEXT    NOT NULL,
	destination      TEXT    NOT NULL,
	code             TEXT    NOT NULL,
	try_count        INTEGER NOT NULL DEFAULT 0,
	consumed         BOOLEAN NOT NULL DEFAULT FALSE,
	created_at       INTEGER NOT NULL,
	CONSTRAINT accountapi_verification_codes_pkey PRIMARY KEY (id),
	CONSTRAINT accountapi_verification_codes_record_id_fkey FOREIGN KEY (record_id)
		REFERENCES accountapi_verification_records (id) ON DELETE CASCADE
);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_verification_codes_record_id_template_type_idx
	ON accountapi_verification_codes (record_id, template_type);

--bun:split

-- At most one unconsumed code per record and template.
CREATE UNIQUE INDEX IF NOT EXISTS accountapi_verification_codes_unconsumed_key
	ON accountapi_verification_codes (record_id, template_type) WHERE NOT consumed;

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_rate_limits (
	"key"        TEXT    NOT NULL,
	window_start INTEGER NOT NULL,
	window_end   INTEGER NOT NULL,
	"count"      INTEGER NOT NULL,
	CONSTRAINT accountapi_rate_limits_pkey PRIMARY KEY ("key")
);

--bun:split

-- One row per lockout target: its block (0: none), and the row that
-- RecordFailure locks to serialise the failures of one target.
CREATE TABLE IF NOT EXISTS accountapi_lockouts (
	target        TEXT    NOT NULL,
	blocked_until INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT accountapi_lockouts_pkey PRIMARY KEY (target)
);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_lockout_failures (
	target    TEXT    NOT NULL,
	failed_at INTEGER NOT NULL
);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_lockout_failures_target_failed_at_idx
	ON accountapi_lockout_failures (target, failed_at);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_account_center (
	id                       TEXT    NOT NULL,
	enabled                  BOOLEAN NOT NULL,
	fields                   TEXT    NOT NULL DEFAULT '{}',
	webauthn_related_origins TEXT    NOT NULL DEFAULT '[]',
	delete_account_url       TEXT,
	custom_css               TEXT,
	profile_fields           TEXT,
	updated_at               INTEGER NOT NULL,
	CONSTRAINT accountapi_account_center_pkey PRIMARY KEY (id)
);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_personal_access_tokens (
	user_id    TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	hash       BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	CONSTRAINT accountapi_personal_access_tokens_pkey PRIMARY KEY (user_id, name),
	CONSTRAINT accountapi_personal_access_tokens_user_id_fkey FOREIGN KEY (user_id)
		REFERENCES accountapi_users (id) ON DELETE CASCADE
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_personal_access_tokens_hash_key
	ON accountapi_personal_access_tokens (hash);
