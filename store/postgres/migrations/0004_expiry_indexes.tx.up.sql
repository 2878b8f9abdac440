-- Indexes for DeleteExpiredRateLimits and DeleteExpiredLockouts, which a
-- host runs periodically (verification.Service.DeleteExpired) so that
-- counters of past windows and old failures do not pile up.
CREATE INDEX IF NOT EXISTS accountapi_rate_limits_window_end_idx ON accountapi_rate_limits (window_end);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_lockout_failures_failed_at_idx ON accountapi_lockout_failures (failed_at);

--bun:split

CREATE INDEX IF NOT EXISTS accountapi_lockouts_blocked_until_idx ON accountapi_lockouts (blocked_until);
