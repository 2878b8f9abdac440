-- The accountapi schema on PostgreSQL, in the schema that search_path names
-- (postgres.WithSchema). Migrate holds an advisory lock while it runs the
-- migrations, each in a transaction of its own (.tx.up.sql); every statement
-- is idempotent too (IF NOT EXISTS), in case a crash came between a
-- migration's commit and its bookkeeping.
--
-- Times are Unix milliseconds (bigint); JSON is jsonb. Every index and key is
-- named as in store/internal/sqlstore, which maps a violation of the unique
-- ones to the store's errors by constraint name.

CREATE TABLE IF NOT EXISTS accountapi_users (
	id                  text    NOT NULL,
	username            text,
	primary_email       text,
	email_key           text,
	primary_phone       text,
	phone_key           text,
	name                text,
	avatar              text,
	profile             jsonb   NOT NULL DEFAULT '{}',
	custom_data         jsonb   NOT NULL DEFAULT '{}',
	logto_config        jsonb   NOT NULL DEFAULT '{}',
	password_digest     text,
	password_algorithm  text,
	password_updated_at bigint,
	is_password_expired boolean NOT NULL DEFAULT FALSE,
	is_suspended        boolean NOT NULL DEFAULT FALSE,
	application_id      text,
	created_at          bigint  NOT NULL,
	updated_at          bigint  NOT NULL,
	last_sign_in_at     bigint,
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
	user_id        text  NOT NULL,
	target         text  NOT NULL,
	social_user_id text  NOT NULL,
	details        jsonb,
	CONSTRAINT accountapi_user_identities_pkey PRIMARY KEY (user_id, target),
	CONSTRAINT accountapi_user_identities_user_id_fkey FOREIGN KEY (user_id)
		REFERENCES accountapi_users (id) ON DELETE CASCADE
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_user_identities_target_social_user_id_key
	ON accountapi_user_identities (target, social_user_id);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_mfa_factors (
	id                        text    NOT NULL,
	user_id                   text    NOT NULL,
	type                      text    NOT NULL,
	created_at                bigint  NOT NULL,
	last_used_at              bigint,
	totp_secret               text,
	totp_last_used_step       bigint,
	webauthn_rp_id            text,
	webauthn_credential_id    bytea,
	webauthn_public_key       bytea,
	webauthn_sign_count       bigint,
	webauthn_transports       jsonb,
	webauthn_aaguid           bytea,
	webauthn_attestation_type text,
	webauthn_agent            text,
	webauthn_name             text,
	webauthn_backup_eligible  boolean,
	webauthn_backup_state     boolean,
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
	factor_id text   NOT NULL,
	idx       bigint NOT NULL,
	code      text   NOT NULL,
	used_at   bigint,
	CONSTRAINT accountapi_backup_codes_pkey PRIMARY KEY (factor_id, idx),
	CONSTRAINT accountapi_backup_codes_factor_id_fkey FOREIGN KEY (factor_id)
		REFERENCES accountapi_mfa_factors (id) ON DELETE CASCADE
);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_verification_records (
	id         text   NOT NULL,
	type       text   NOT NULL,
	user_id    text,
	created_by text,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	version    bigint NOT NULL,
	data       jsonb  NOT NULL,
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
	id               text    NOT NULL,
	record_id        text    NOT NULL,
	template_type    text    NOT NULL,
	destination_type text    NOT NULL,
	destination      text    NOT NULL,
	code             text    NOT NULL,
	try_count        bigint  NOT NULL DEFAULT 0,
	consumed         boolean NOT NULL DEFAULT FALSE,
	created_at       bigint  NOT NULL,
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
	"key"        text   NOT NULL,
	window_start bigint NOT NULL,
	window_end   bigint NOT NULL,
	"count"      bigint NOT NULL,
	CONSTRAINT accountapi_rate_limits_pkey PRIMARY KEY ("key")
);

--bun:split

-- One row per lockout target: its block (0: none), and the row that
-- RecordFailure locks to serialise the failures of one target.
CREATE TABLE IF NOT EXISTS accountapi_lockouts (
	target        text   NOT NULL,
	blocked_until bigint NOT NULL DEFAULT 0,
	CONSTRAINT accountapi_lockouts_pkey PRIMARY KEY (target)
);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_lockout_failures (
	target    text   NOT NULL,
	failed_at bigint NOT NULL
);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_lockout_failures_target_failed_at_idx
	ON accountapi_lockout_failures (target, failed_at);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_account_center (
	id                       text    NOT NULL,
	enabled                  boolean NOT NULL,
	fields                   jsonb   NOT NULL DEFAULT '{}',
	webauthn_related_origins jsonb   NOT NULL DEFAULT '[]',
	delete_account_url       text,
	custom_css               text,
	profile_fields           jsonb,
	updated_at               bigint  NOT NULL,
	CONSTRAINT accountapi_account_center_pkey PRIMARY KEY (id)
);

--bun:split

CREATE TABLE IF NOT EXISTS accountapi_personal_access_tokens (
	user_id    text   NOT NULL,
	name       text   NOT NULL,
	hash       bytea  NOT NULL,
	created_at bigint NOT NULL,
	expires_at bigint,
	CONSTRAINT accountapi_personal_access_tokens_pkey PRIMARY KEY (user_id, name),
	CONSTRAINT accountapi_personal_access_tokens_user_id_fkey FOREIGN KEY (user_id)
		REFERENCES accountapi_users (id) ON DELETE CASCADE
);

--bun:split

CREATE UNIQUE INDEX IF NOT EXISTS accountapi_personal_access_tokens_hash_key
	ON accountapi_personal_access_tokens (hash);
