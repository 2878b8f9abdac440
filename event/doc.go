// Package event is the library's outbound event port: what happened to an
// account, for the host's audit log, webhooks or session revocation.
//
// The use cases emit an [Event] through a [Sink] after each change commits:
// [UserDataUpdated] after every change to a user, [IdentifierLockout] when the
// lockout sentinel blocks an identifier, [UserDeleted] when a user is deleted.
// Names are Logto's webhook event names where Logto has one.
//
// Events never carry secrets: no codes, passwords, digests, TOTP secrets,
// backup codes or tokens. [Slog] writes them to a *slog.Logger; [Discard]
// drops them; [Webhook] POSTs them to the host's URLs.
//
// # Webhooks
//
// [NewWebhook] checks a [WebhookConfig] and returns a [Webhook], a Sink
// that sends each event to every [Endpoint] that wants it (all events, or
// the endpoint's Events list, as Logto hooks filter events).
//
// [Webhook.Emit] never waits for the network. It encodes the event, gives
// it an id and offers it to each endpoint's bounded queue (QueueSize,
// default 1000). When a queue is full the event is dropped for that
// endpoint and counted: a committed change must not wait for a slow
// receiver, and memory stays bounded. Workers (default 1 per endpoint)
// deliver from the queue:
//
//   - Each attempt has its own timeout (Timeout, default 10 s).
//   - A 2xx answer means delivered. Redirects are not followed.
//   - Transport errors (timeouts, refused or reset connections), 408, 429
//     and 5xx are retried, up to MaxAttempts attempts (default 3). The
//     wait between attempts comes from Backoff (default: exponential with
//     jitter, 0.5–1 s after the first attempt, 1–2 s after the second).
//   - Any other status (3xx, 4xx other than 408 and 429) fails at once;
//     a receiver that rejects a signature should answer 401.
//   - With one worker per endpoint, an endpoint gets its events in the
//     order they were emitted. A retried event holds back the events
//     behind it at that endpoint only. With more workers, order is not
//     guaranteed.
//
// Delivery is at least once: a receiver may see an event twice (a lost
// answer), and should deduplicate by webhook-id. Events still queued when
// the process ends are lost. [Webhook.Close] stops accepting events,
// drains the queues until its context ends, then abandons the rest.
// [Webhook.Stats] counts deliveries (one per event and endpoint) as
// delivered, failed (refused, out of attempts, not encodable) or dropped
// (queue full, after Close, abandoned). Failures are logged with the
// event's name and id, the endpoint and the status or error. Logs never
// contain a body, a secret, or a URL's query.
//
// # Wire format
//
// Each delivery is a POST to the endpoint's URL with Content-Type
// application/json, User-Agent "accountapi
// (https://github.com/accountapi/accountapi)", the signature headers below
// and a JSON body, a [WebhookPayload]. The body is a subset of Logto's
// webhook payload (packages/core/src/libraries/hook):
//
//	{"hookId":"crm","event":"User.Data.Updated","createdAt":"2026-01-02T03:04:05.678Z",
//	 "userId":"u1","data":{"id":"u1","name":"Ada",...}}
//
// (shown on two lines here; the body has no whitespace.)
//
//   - hookId: the endpoint's ID; absent when it has none.
//   - event: the event's [Name].
//   - createdAt: when the event happened: ISO 8601 in UTC with
//     milliseconds and "Z", as JavaScript's Date.prototype.toISOString
//     writes it.
//   - userId: the user the event is about; absent when none (a lockout of
//     an address nobody owns).
//   - data: [Event.Data] as JSON, or null. For user events it is a
//     snapshot of the user's public fields. For lockouts it holds the
//     blocked target's kind and the end of the block.
//
// Logto's request context (path, method, status, ip, userAgent,
// application) is not sent. Members are only ever added, so receivers
// should ignore the ones they do not know.
//
// # Signatures
//
// Every request carries two signatures, both HMAC-SHA256 (RFC 2104). The
// key is the endpoint's secret (Endpoint.Secret, or WebhookConfig.Secret),
// as its raw bytes. A Logto signing key is used as the bytes of its string.
//
// Logto's header is sent unchanged, so receivers written for Logto keep
// working. It is computed as Logto's core/src/utils/sign.ts computes it:
//
//	logto-signature-sha-256: sha256=<lowercase hex of HMAC(secret, body)>
//
// Logto's documentation compares the bare hex digest, but the header
// carries the "sha256=" prefix. It covers the body only, so a captured
// request can be replayed for ever.
//
// The Standard Webhooks v1 headers (standardwebhooks.com, specification
// 1.0.0) also cover an id and the time of the attempt:
//
//	webhook-id: evt_<32 hex digits>
//	webhook-timestamp: <Unix seconds of this attempt, decimal>
//	webhook-signature: v1,<base64 of HMAC(secret, id + "." + timestamp + "." + body)>
//
// The base64 is standard and padded. id and timestamp are the two header
// values exactly as sent, and body is the exact body bytes. The id is the
// same on every retry and at every endpoint. The timestamp and signature
// are made anew for each attempt. The signature header is a
// space-separated list; a receiver accepts the request if any "v1," entry
// matches, which allows several keys during a rotation. A Standard
// Webhooks library verifies these headers when configured with the secret
// "whsec_" + base64(secret).
//
// A receiver:
//
//  1. reads the raw body, with a size limit, before any JSON parsing;
//  2. recomputes the v1 signature over id, timestamp and those exact bytes
//     and compares it in constant time (hmac.Equal);
//  3. refuses a timestamp more than 5 minutes from its clock, either way
//     (a replay, or clocks that disagree);
//  4. within that window, refuses a webhook-id it has already accepted;
//  5. then parses the body and answers 2xx quickly, doing slow work later.
//
// [VerifySignature] does steps 2 and 3 in Go, and also checks
// logto-signature-sha-256 when present:
//
//	func hook(w http.ResponseWriter, r *http.Request) {
//		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
//		if err != nil {
//			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
//			return
//		}
//		if err := event.VerifySignature(secret, body, r.Header, time.Now(), 0); err != nil {
//			http.Error(w, "bad signature", http.StatusUnauthorized)
//			return
//		}
//		if seenRecently(r.Header.Get(event.HeaderWebhookID)) { // the receiver's own store
//			w.WriteHeader(http.StatusNoContent)
//			return
//		}
//		var p event.WebhookPayload
//		if err := json.Unmarshal(body, &p); err != nil {
//			http.Error(w, "bad body", http.StatusBadRequest)
//			return
//		}
//		enqueue(p) // the receiver's own work
//		w.WriteHeader(http.StatusNoContent)
//	}
//
// Secrets are at least [MinSecretLen] (32) bytes. RFC 2104 §3 strongly
// discourages HMAC keys shorter than the hash output. Logto generates
// 32-character signing keys.
package event
