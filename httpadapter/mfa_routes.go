package httpadapter

// mfaRoutes registers the TOTP, backup-code, mfa-settings and logto-configs
// routes and the TOTP and backup-code step-up routes.
func (h *AccountHandler) mfaRoutes() {}
