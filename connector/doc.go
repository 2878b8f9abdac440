// Package connector is the port for social sign-in providers: the [Social]
// interface a connector implements, the [Set] of connectors a host registers
// by id, and [Mock], a connector for development and tests.
//
// # Flow
//
// POST /api/verifications/social asks the connector for an authorization URI
// and keeps the connector's [Session] in a verification record; the client
// sends the user to the provider, receives the callback and posts its data to
// POST /api/verifications/social/verify, where the connector turns it into a
// [store.SocialUserInfo]; POST /api/my-account/identities links it.
//
// Shipped connectors: generic OpenID Connect and generic OAuth 2.0 live in
// subpackages (they need net/http); [Mock] is here.
package connector
