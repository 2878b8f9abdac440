// Package password hashes and verifies passwords, and applies Logto's
// password policy to new ones.
//
// A [Hasher] hashes new passwords with Argon2id and verifies digests in every
// format Logto records in users.password_encryption_method, so that users
// imported from Logto keep signing in. [Policy] reproduces the rules,
// issue codes and order of Logto's password policy, which the
// password-change route (POST /api/my-account/password) reports in a 422
// password.rejected error.
//
// # Hashing new passwords
//
// [Hasher.Hash] returns an Argon2id digest (RFC 9106) as a PHC string, the
// format of the reference implementation:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with the salt and hash in unpadded standard base64. The default parameters
// are the first Argon2id configuration of the OWASP Password Storage Cheat
// Sheet: 19 MiB of memory, two passes, one lane, with a 16-byte random salt
// and a 32-byte hash as RFC 9106 §4 recommends. [Config] changes them, and
// [New] refuses combinations that could not work (a salt under 8 bytes, a
// hash under 16, less than 8 KiB per lane, parameters above the limits the
// Hasher enforces on imported digests).
//
// Logto itself writes Argon2i (t=8, m=8 MiB, p=1 today; t=256, m=4 MiB in
// older releases). The library writes Argon2id instead, the variant RFC 9106
// and OWASP recommend, and verifies both.
//
// # Imported digests
//
// [Hasher.Verify] takes the digest and its [store.PasswordAlgorithm] label:
//
//   - Argon2i, Argon2d, Argon2id: PHC strings of version 19. The digest's
//     own variant decides, as in Logto. Version 16 is refused with
//     [ErrUnsupportedAlgorithm].
//   - Bcrypt: "$2a$", "$2b$" and "$2y$" digests. "$2x$" (crypt_blowfish's
//     marker for its 8-bit bug) is refused. Like every bcrypt, only the
//     first 72 bytes of the password count.
//   - SHA1, SHA256, MD5: the unsalted hex digest of the password, in either
//     letter case.
//   - Legacy: Logto's JSON form ["sha256", ["salt", "@"], "<hex>"], the hash
//     of the arguments concatenated with each "@" replaced by the password,
//     for md5, sha1, sha224, sha256, sha384 and sha512.
//
// A digest Verify cannot check gives [ErrMalformedDigest] or
// [ErrUnsupportedAlgorithm], never a plain false, so that a broken import
// shows up in logs rather than as users who cannot sign in. Errors never
// contain the password or the digest. Every comparison is constant-time.
//
// Argon2 and bcrypt digests name their own cost, so an imported digest
// could ask for gigabytes or hours. Verify refuses, before computing
// anything, digests above Config.MaxMemory (256 MiB), Config.MaxTime (256
// passes, which Logto's older digests use), Config.MaxThreads (16) and
// Config.MaxBcryptCost (16).
//
// # Concurrency bound
//
// Argon2 allocates its whole memory cost for each computation. Every Argon2
// and bcrypt computation — in Hash, Verify and VerifyDecoy — therefore runs
// in one of Config.MaxConcurrent slots (default GOMAXPROCS). A burst of 200
// sign-ins computes MaxConcurrent at a time, using MaxConcurrent × 19 MiB,
// while the rest wait; a caller whose context ends while it waits gets
// ctx.Err() back. A computation that has started runs to its end.
//
// # The decoy
//
// A sign-in for an unknown user, or for a user without a password, has no
// digest to check; answering at once would tell an attacker which accounts
// exist. [Hasher.VerifyDecoy] costs what a real check costs, through the
// same slots, against an Argon2id digest with the configured parameters and
// a random hash that nothing matches. Verify also runs it after a mismatch
// with the fast formats (SHA1, SHA256, MD5, Legacy), so that a wrong
// password costs the same whatever the stored format, as Logto does.
//
// # Rehashing
//
// After a successful Verify, [Hasher.NeedsRehash] reports whether the digest
// should be replaced by a fresh Hash: it is true for every format but
// Argon2id, and for Argon2id digests whose parameters differ from the
// configured ones. Raising the parameters thus upgrades each user at their
// next sign-in.
//
// # The password policy
//
// [Policy.Check] applies Logto's rules in Logto's order (PasswordPolicyChecker
// in @logto/core-kit) and returns [Issue] values with Logto's codes and
// interpolation keys: length (too_short {min}, too_long {max}, counted in
// UTF-16 code units as JavaScript does), character types (character_types
// {min}, or unsupported_characters for anything outside printable ASCII),
// pwned, then the restricted phrases: repetition, sequence, words and
// user_info, reported only when they cover all but at most three characters
// of the password. [DefaultPolicy] is Logto's default.
//
// These rules follow NIST SP 800-63B, which asks verifiers of memorized
// secrets to refuse values found in breach corpuses, dictionary words,
// repetitive or sequential characters and context-specific words such as
// the user's name (§5.1.1.2 in revision 3). SP 800-63B also asks verifiers
// to accept Unicode characters and advises against composition rules;
// Logto does neither, and the library keeps Logto's behaviour so that
// clients see the same answers.
//
// # Breach checking
//
// The pwned rule needs a [BreachChecker], and Check skips the rule without
// one: the check calls out to the network, so it is off until the host
// opts in. [github.com/accountapi/accountapi/password/pwned.Checker] queries Have I Been Pwned's range API with
// k-anonymity: only the first five hex digits of the password's SHA-1 leave
// the process, with padded responses.
//
// # Dependencies
//
// golang.org/x/crypto/argon2 computes Argon2i and Argon2id: it is the Go
// project's implementation, with assembly for the compression function.
// golang.org/x/crypto/bcrypt verifies bcrypt digests, in constant time.
// golang.org/x/crypto/blake2b is the hash inside Argon2, used by the
// internal Argon2 implementation, which exists only because x/crypto has no
// Argon2d (see password/internal/argon2). The store package provides the
// algorithm labels. Everything else comes from the standard library:
// crypto/sha1, crypto/sha256, crypto/sha512 and crypto/md5 for the fast
// formats, crypto/subtle for comparisons, and package pwned uses net/http.
package password
