// Package accountapi gives a Go service the Logto Account API — end users'
// self-service of their profile, username, password, email and phone, social
// identities and MFA (TOTP, backup codes, passkeys) — and the user routes of
// the Logto Management API, over a store of the host's choice (SQLite in
// store/sqlite, PostgreSQL in store/postgres). A front end written against
// Logto's Account API (https://docs.logto.io/end-user-flows/account-settings/by-account-api)
// works unchanged against a service that mounts the handler.
//
// # One constructor
//
// [New] builds everything from one [Config]: the host gives a store, the
// verifier of its users' access tokens, its rule for first-party applications
// and a key that seals MFA secrets, and may give a notifier, social
// connectors, an event sink, policies, a session revoker, a logger, a clock
// and randomness. New shares what must be shared — one password hasher, one
// settings cache, one lockout sentinel, one notifier — and checks the whole
// configuration at once:
//
//	api, err := accountapi.New(accountapi.Config{
//		Store:          st,     // *sqlite.Store or *postgres.Store, migrated
//		Authenticator:  tokens, // bearer.NewJWKS(…)
//		FirstParty:     accountapi.AllClientsFirstParty,
//		EncryptionKeys: [][]byte{key}, // 32 random bytes, kept secret
//		Notifier:       mailer,
//	})
//	if err != nil {
//		log.Fatal(err) // names every missing member
//	}
//	mux.Handle("/account/", api.Handler()) // GET /account/api/my-account, …
//
// # Mounting
//
// [API.Handler] serves both APIs; [API.AccountHandler] and
// [API.ManagementHandler] serve them apart (the Management API usually on an
// internal listener, with its own authenticator: [ManagementConfig]). Each
// handler finds its routes below any prefix, whether the host's router strips
// it (http.StripPrefix) or leaves it in the path (http.ServeMux subtrees,
// chi's Mount, gin and echo wrapping an http.Handler), answers unknown paths
// with a JSON 404, and names the prefix in the servers of the OpenAPI
// document it serves at …/api/openapi.json.
//
// # Safe defaults
//
// Nothing security-relevant is off unless the host says so by name: New
// refuses to start without [Config.EncryptionKeys] unless
// [Config.InsecurePlaintextMFASecrets] is set; trusting every application is
// the named choice [AllClientsFirstParty]; browsers on other origins are
// refused unless listed in [Config.AllowedOrigins]; self-service deletion and
// the editing of custom data start off ([DefaultAccountCenter]).
//
// # Calling the use cases from Go
//
// The services behind the handlers are there for hosts that call them
// directly: [API.Account], [API.Admin], [API.Verification], [API.MFA],
// [API.MFAAdmin], [API.Settings], [API.Hasher]. Run
// API.Verification().DeleteExpired every few minutes to delete expired
// verification records and counters.
package accountapi
