// Package apierror holds the one error type the library's use cases return,
// [Error], and the catalogue of every code it answers with (codes.go).
//
// # Why one type
//
// A front end written against Logto branches on the error code, so codes are
// part of the wire contract: "verification_record.not_found" must stay that
// string forever. An [Error] carries
//
//   - the code, Logto's where Logto has one;
//   - the HTTP status the contract pairs with it on the route at hand;
//   - a safe English message (translations are keyed by the code);
//   - optional data and details members for the response body;
//   - a cause that is logged but never serialised.
//
// Catalogue entries are shared values; decorate them with the With… methods,
// which copy:
//
//	return apierror.Unauthorized.WithStatus(400)
//	return apierror.InvalidInput.WithParam("type", "body").WithDetails("email: expected string")
//
// errors.Is compares codes, so callers and tests match on the catalogue entry
// whatever its decoration. [From] turns anything that is not an [Error] into
// [Internal], a 500 whose body reveals nothing.
//
// # What never goes into an error
//
// Codes, passwords, TOTP secrets, backup codes and tokens are never
// interpolated into messages, details or causes: errors are logged.
package apierror
