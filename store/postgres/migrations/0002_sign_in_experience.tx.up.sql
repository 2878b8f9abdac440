CREATE TABLE IF NOT EXISTS accountapi_sign_in_experience (
	id         text   NOT NULL,
	data       jsonb  NOT NULL DEFAULT '{}',
	updated_at bigint NOT NULL,
	CONSTRAINT accountapi_sign_in_experience_pkey PRIMARY KEY (id)
);
