CREATE TABLE IF NOT EXISTS accountapi_sign_in_experience (
	id         TEXT    NOT NULL,
	data       TEXT    NOT NULL DEFAULT '{}',
	updated_at INTEGER NOT NULL,
	CONSTRAINT accountapi_sign_in_experience_pkey PRIMARY KEY (id)
);
