// Package verification holds the Verification API's use cases: the records
// that prove something about the caller — that they know their password, that
// they control an email address or phone number (one-time codes), that they
// hold a social identity or a new passkey — and the rules under which a
// record counts as identity proof. Records, codes, send-rate counters and
// lockout counters all live in the store, so any replica can finish a
// verification another started. Pure Go: no net/http, no SQL.
package verification
