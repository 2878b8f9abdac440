// Package httpadapter serves the library's use cases over net/http with
// Logto's wire contract: the /api/my-account and /api/verifications routes of
// the Account and Verification APIs and the user routes of the Management
// API. It authenticates bearer tokens, checks scopes, applies CORS, decodes
// size-capped JSON strictly and writes every error as {code, message, data?,
// details?} with Cache-Control: no-store. It stays thin: one use-case call
// per handler.
package httpadapter
