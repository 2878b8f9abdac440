package httpadapter

// socialRoutes registers the social verification routes
// (/api/verifications/social…) and the identity routes
// (/api/my-account/identities…).
func (h *AccountHandler) socialRoutes() {}
