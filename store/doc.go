// Package store holds the storage contracts of accountapi: the records the
// library keeps, one small interface per aggregate, the sentinel errors each
// method returns, and the keys under which identifiers are unique.
//
// Everything that decides an outcome lives behind these interfaces: users and
// their identities, MFA factors, verification records (with WebAuthn
// challenges and social sessions), verification codes and their try counts,
// send-rate counters, lockout counters, account-center settings and personal
// access tokens. Nothing that matters is kept in process memory, so replicas
// over one database behave as one service: a verification started on one
// finishes on another.
//
// # Backends
//
// [github.com/accountapi/accountapi/store/sqlite] (embedded, the default) and
// [github.com/accountapi/accountapi/store/postgres] implement [Store]. Both
// pass the conformance suite in
// [github.com/accountapi/accountapi/store/storetest], which checks every
// sentence of the method docs here; a third backend should run it too.
//
// # Errors
//
// Methods return [ErrNotFound], [ErrConflict] or one of the [DuplicateError]
// values (each also an ErrConflict), as their docs say, or an internal error.
// Use cases map these to apierror codes; handlers never see them.
//
// # Atomic operations
//
// Single-use things are used up inside the store, in one statement, so that
// of N concurrent attempts exactly one succeeds:
//
//   - [VerificationCodes.ConsumeVerificationCode] consumes a code once;
//     [VerificationCodes.IncrementCodeTries] counts an attempt and reads the
//     count in one statement, so a burst cannot exceed the try limit;
//   - [Users.CreateUser] and [Users.UpdateUser] rely on unique indexes over
//     username, [EmailKey] and [PhoneKey]: of N concurrent binds of one
//     address exactly one succeeds;
//   - [MFAFactors.UseTOTPStep] refuses a time step already used (RFC 6238
//     §5.2), [MFAFactors.UpdateSignCount] is a compare-and-set of the WebAuthn
//     signature counter, [MFAFactors.UseBackupCode] uses a code once;
//   - [VerificationRecords.UpdateVerificationRecord] is a compare-and-set on
//     the record's version, which makes WebAuthn challenges single-use.
//
// Sequences that read, check and write one user (the "keep at least one
// identifier" rule, for instance) run in [Transactor.InTx] after
// [Users.LockUser].
//
// # Time and randomness
//
// Methods whose outcome depends on the time take it as an argument; the store
// never reads a clock to decide. Times are kept to the millisecond and read
// back in UTC. [NewID] takes its randomness as a reader.
//
// # Values the backends refuse
//
// Strings holding NUL characters cannot be stored (PostgreSQL's text and
// jsonb refuse them); a backend returns an internal error for them. Callers
// validate input before it reaches the store.
package store
