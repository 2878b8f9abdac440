package mfa

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"io"
	"regexp"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// The TOTP parameters: RFC 6238's defaults, which are also Logto's (otplib's)
// and what every authenticator app assumes when an otpauth URI names none.
const (
	// totpPeriod is the length of a time step in seconds.
	totpPeriod = 30
	// totpSkew is how many steps before and after the current one a code may
	// come from, for clock drift and the time a user takes to type (RFC 6238
	// §5.2 recommends at most one).
	totpSkew = 1
	// totpSecretBytes is the size of a generated secret: 160 bits, RFC 4226
	// §4's recommendation, 32 base32 characters.
	totpSecretBytes = 20
)

// totpSecretFormat is Logto's validateTotpSecret: RFC 4648 base32 in upper
// case, in whole 8-character blocks with the last one optionally padded
// correctly with "=". Every secret it accepts decodes.
var totpSecretFormat = regexp.MustCompile(`^(?:[2-7A-Z]{8})*(?:[2-7A-Z]{2}={6}|[2-7A-Z]{4}={4}|[2-7A-Z]{5}={3}|[2-7A-Z]{7}=)?$`)

// ValidTOTPSecret reports whether secret is acceptable as a TOTP secret: 16 to
// 32 characters of base32 as [totpSecretFormat] describes
// (docs/compatibility.md, "TOTP").
func ValidTOTPSecret(secret string) bool {
	return len(secret) >= 16 && len(secret) <= 32 && totpSecretFormat.MatchString(secret)
}

// TOTPSecret is a newly generated TOTP secret and the two forms in which an
// authenticator app imports it.
type TOTPSecret struct {
	// Secret is 20 random bytes in base32 without padding (32 characters).
	Secret string
	// KeyURI is the otpauth://totp/<issuer>:<label>?… URI of the secret
	// (Google Authenticator's Key URI format).
	KeyURI string
	// QRCode is a PNG image of KeyURI as a data URL
	// (data:image/png;base64,…).
	QRCode string
}

// GenerateTOTPSecret applies POST
// /api/my-account/mfa-verifications/totp-secret/generate
// (docs/compatibility.md, "Order of checks" and "TOTP"): a fresh secret for
// the caller to load into an authenticator app and then bind with
// [Service.BindTOTP]. Nothing is stored, and the route needs no scope, field
// control or identity proof.
//
// Logto answers only {secret}; the URI and QR code are ours, made as Logto's
// Management API makes them (docs/compatibility.md, "Management API routes"):
// the issuer is [Config.TOTPIssuer] or the host name the API was reached at
// (else "accountapi"), and the label is the user's name, primary email, phone
// number in international format or username, whichever comes first, else
// "Unnamed User".
func (s *Service) GenerateTOTPSecret(ctx context.Context, c account.Caller, cl Client) (*TOTPSecret, error) {
	u, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, totpSecretBytes)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return nil, fmt.Errorf("mfa: reading randomness: %w", err)
	}
	issuer := s.totpIssuer
	if issuer == "" {
		issuer = cl.Host
	}
	if issuer == "" {
		issuer = "accountapi"
	}
	key, err := totpKey(raw, issuer, totpLabel(u))
	if err != nil {
		return nil, err
	}
	qr, err := qrDataURL(key)
	if err != nil {
		return nil, err
	}
	return &TOTPSecret{Secret: key.Secret(), KeyURI: key.URL(), QRCode: qr}, nil
}

// totpLabel names the user in an authenticator app, as Logto's
// getUserDisplayName does. An empty name counts as none, so the label is
// never empty.
func totpLabel(u *store.User) string {
	switch {
	case u.Name != nil && *u.Name != "":
		return *u.Name
	case u.PrimaryEmail != "":
		return u.PrimaryEmail
	case u.PrimaryPhone != "":
		return internationalPhone(u.PrimaryPhone)
	case u.Username != "":
		return u.Username
	}
	return unnamedUser
}

// qrDataURL renders the key's URI as a 256×256 PNG QR code in a data URL.
// Any QR code fits: the largest (version 40) has 177 modules a side.
func qrDataURL(key *otp.Key) (string, error) {
	img, err := key.Image(256, 256)
	if err != nil {
		return "", fmt.Errorf("mfa: rendering the QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("mfa: encoding the QR code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// BindTOTP applies POST /api/my-account/mfa-verifications with type "Totp"
// (docs/compatibility.md, "Order of checks" and "TOTP"): it gives the caller a
// TOTP factor with secret, after checking, in Logto's order, identity proof
// (401 verification_record.permission_denied), the mfa field (400
// account_center.field_not_editable), the identities scope (401
// auth.unauthorized), the first-party guard, the enabled-factor policy (400
// session.mfa.mfa_factor_not_enabled), that the caller has no TOTP factor yet
// (422 user.totp_already_in_use), the secret's format (400
// user.totp_secret_invalid) and, when code is not "", that code is the
// secret's current code give or take one step (400
// session.mfa.invalid_totp_code).
//
// The code is optional, as in Logto. When given, its time step is stored as
// the factor's last used step, so that the same code cannot then be replayed
// to [Service.VerifyTOTP] (RFC 6238 §5.2). The secret is sealed when
// [Config.EncryptionKeys] are set. Binding sets the user's
// logtoConfig.mfa.enabled, emits User.Data.Updated and sends
// notify.NoticeMfaFactorAdded to the user's email address (so does
// [Service.ReplaceTOTP]: the new secret is a new factor). Of concurrent binds for
// one user exactly one succeeds; the others get 422 user.totp_already_in_use.
func (s *Service) BindTOTP(ctx context.Context, c account.Caller, secret, code string) error {
	if err := s.factorChecks(ctx, c, store.FactorTOTP); err != nil {
		return err
	}
	factors, err := s.store.ListMFAFactors(ctx, c.UserID)
	if err != nil {
		return fmt.Errorf("mfa: listing factors: %w", err)
	}
	if findFactor(factors, store.FactorTOTP) != nil {
		return apierror.TOTPAlreadyInUse
	}
	if !ValidTOTPSecret(secret) {
		return apierror.TOTPSecretInvalid
	}
	var step int64
	if code != "" {
		if step, err = checkBindCode(secret, code, s.now()); err != nil {
			return err
		}
	}
	f, err := s.newTOTPFactor(c.UserID, secret, step)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		// The user's row is locked first, before the insert's foreign-key
		// check touches it, so that concurrent binds queue instead of
		// deadlocking on PostgreSQL.
		if err := s.markMFAEnabled(ctx, tx, c.UserID); err != nil {
			return err
		}
		return mapFactorWrite(tx.CreateMFAFactor(ctx, f))
	})
	if err != nil {
		return err
	}
	s.factorChanged(ctx, c, notify.NoticeMfaFactorAdded, store.FactorTOTP)
	return nil
}

// ReplaceTOTP applies PUT /api/my-account/mfa-verifications/totp
// (docs/compatibility.md, "Order of checks" and "TOTP"): it replaces the
// caller's TOTP factor with one for secret — a new factor with a new id and
// creation time, never used — or adds one if the caller has none. The checks
// are [Service.BindTOTP]'s without the "already in use" one, and code is
// required: "" is a wrong code. A refused request leaves the old factor as it
// was; the replacement happens in one transaction. Replacing a secret with
// itself keeps the last used step, so codes already accepted stay used.
func (s *Service) ReplaceTOTP(ctx context.Context, c account.Caller, secret, code string) error {
	if err := s.factorChecks(ctx, c, store.FactorTOTP); err != nil {
		return err
	}
	if !ValidTOTPSecret(secret) {
		return apierror.TOTPSecretInvalid
	}
	step, err := checkBindCode(secret, code, s.now())
	if err != nil {
		return err
	}
	f, err := s.newTOTPFactor(c.UserID, secret, step)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		if err := s.markMFAEnabled(ctx, tx, c.UserID); err != nil {
			return err
		}
		factors, err := tx.ListMFAFactors(ctx, c.UserID)
		if err != nil {
			return fmt.Errorf("mfa: listing factors: %w", err)
		}
		for _, old := range factors {
			if old.Type != store.FactorTOTP {
				continue
			}
			// Re-binding the same secret must not make its used codes
			// usable again (RFC 6238 §5.2).
			if prev, err := s.sealer.open(old.TOTP.Secret, totpOwner(c.UserID)); err == nil && prev == secret {
				f.TOTP.LastUsedStep = max(f.TOTP.LastUsedStep, old.TOTP.LastUsedStep)
			}
			if err := tx.DeleteMFAFactor(ctx, c.UserID, old.ID); err != nil {
				return fmt.Errorf("mfa: removing the old TOTP factor: %w", err)
			}
		}
		return mapFactorWrite(tx.CreateMFAFactor(ctx, f))
	})
	if err != nil {
		return err
	}
	s.factorChanged(ctx, c, notify.NoticeMfaFactorAdded, store.FactorTOTP)
	return nil
}

// factorChecks are the checks that open the routes binding a TOTP or
// backup-code factor (docs/compatibility.md, "Order of checks"), in Logto's
// order: identity proof, the factor's field control, the identities scope, the
// first-party guard, the enabled-factor policy.
func (s *Service) factorChecks(ctx context.Context, c account.Caller, t store.FactorType) error {
	if err := account.RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(controlFor(ac.Fields, t)); err != nil {
		return err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return err
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return err
	}
	return s.requireEnabled(ctx, t)
}

// checkBindCode answers 400 session.mfa.invalid_totp_code unless code is the
// code of secret at now give or take one step, and returns the code's step.
func checkBindCode(secret, code string, now time.Time) (int64, error) {
	step, ok, err := matchTOTP(secret, code, now)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apierror.InvalidTOTPCode
	}
	return step, nil
}

// newTOTPFactor returns a TOTP factor of the user, created now, with the
// secret sealed for the user and lastStep as its last used step.
func (s *Service) newTOTPFactor(userID, secret string, lastStep int64) (*store.MFAFactor, error) {
	id, err := store.NewID(s.rand)
	if err != nil {
		return nil, fmt.Errorf("mfa: making an id: %w", err)
	}
	sealed, err := s.sealer.seal(secret, totpOwner(userID))
	if err != nil {
		return nil, err
	}
	return &store.MFAFactor{
		ID: id, UserID: userID, Type: store.FactorTOTP, CreatedAt: s.now(),
		TOTP: &store.TOTP{Secret: sealed, LastUsedStep: lastStep},
	}, nil
}

// totpStep is the RFC 6238 time step of t: T = floor((t - T0) / X) with
// T0 = 0 and X = 30 s.
func totpStep(t time.Time) int64 {
	u := t.Unix()
	step := u / totpPeriod
	if u < 0 && u%totpPeriod != 0 {
		step--
	}
	return step
}

// totpCode returns the 6-digit code of secret (base32) for time step step.
func totpCode(secret string, step int64) (string, error) {
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), opts)
	if err != nil {
		return "", fmt.Errorf("mfa: computing a TOTP code: %w", err)
	}
	return code, nil
}

// matchTOTP reports whether code is the code of secret for a time step within
// totpSkew steps of now, and returns the latest step it matches.
//
// pquerna/otp's ValidateCustom accepts a code within the window but does not
// say which step matched, and the step is what replay protection stores
// (RFC 6238 §5.2), so the candidates are compared here: all of them, each in
// constant time. The latest matching step is returned so that, in the rare
// case where one code is valid for two steps, both are used up at once.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool, err error) {
	t := totpStep(now)
	for s := t - totpSkew; s <= t+totpSkew; s++ {
		want, err := totpCode(secret, s)
		if err != nil {
			return 0, false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok, nil
}

// findFactor returns the first factor of type t, or nil.
func findFactor(factors []store.MFAFactor, t store.FactorType) *store.MFAFactor {
	for i := range factors {
		if factors[i].Type == t {
			return &factors[i]
		}
	}
	return nil
}

// markMFAEnabled is setMFAEnabled with the store's errors mapped: the user's
// row is locked for the rest of the transaction.
func (s *Service) markMFAEnabled(ctx context.Context, tx store.Store, userID string) error {
	err := setMFAEnabled(ctx, tx, userID, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apierror.Unauthorized.WithCause(err)
	case err != nil:
		return fmt.Errorf("mfa: updating the user: %w", err)
	}
	return nil
}

// mapFactorWrite turns the store's answer to CreateMFAFactor into the API's.
func mapFactorWrite(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrDuplicateTOTP):
		return apierror.TOTPAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrNotFound):
		return apierror.Unauthorized.WithCause(err)
	}
	return fmt.Errorf("mfa: storing the factor: %w", err)
}
