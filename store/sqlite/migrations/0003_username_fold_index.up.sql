-- A non-unique index on lower(username) for FindUserByUsernameFold, the
-- look-up of a case-insensitive username policy. The policy can change at run
-- time (PATCH /api/sign-in-exp), a unique index cannot: the unique index on
-- lower(username), accountapi_users_username_lower_key, is created by Migrate
-- only for a store opened with case-insensitive usernames.
CREATE INDEX IF NOT EXISTS accountapi_users_username_fold_idx ON accountapi_users (lower(username));
