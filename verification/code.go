package verification

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"unicode/utf16"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// codeDigits is the alphabet of verification codes: six decimal digits, as
// Logto's.
const (
	codeDigits = "0123456789"
	codeLength = 6
)

func invalidBody(details string) *apierror.Error {
	return apierror.InvalidInput.WithParam("type", "body").WithDetails(details)
}

// validateIdentifier checks an {type, value} identifier of a code route.
func validateIdentifier(id store.Identifier) error {
	switch id.Type {
	case store.IdentifierEmail:
		if utf16Len(id.Value) > 256 || !account.EmailFormat.MatchString(id.Value) {
			return invalidBody("identifier.value: expected an email address of at most 256 characters")
		}
	case store.IdentifierPhone:
		if !account.PhoneFormat.MatchString(id.Value) {
			return invalidBody("identifier.value: expected digits")
		}
	default:
		return invalidBody(`identifier.type: expected "email" or "phone"`)
	}
	return nil
}

// utf16Len is the length of s as JavaScript counts it, in UTF-16 code units:
// the length Logto's body guard limits.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// SendCode applies POST /api/verifications/verification-code
// (docs/compatibility.md, "Order of checks" and "Verification codes and
// lockout"): it creates a code record for the identifier and sends a six-digit
// code to it. The user's own primary email or phone gets the
// UserPermissionValidation template (or BindMfa when asked) and a record bound
// to the user, which can prove identity; any other address gets the
// BindNewIdentifier template and an unbound record, which can prove the
// address for binding — by the caller only.
//
// Each recipient is sent at most SendLimit.Max codes per window (429
// request.message_rate_limited), counted across replicas in the store.
func (s *Service) SendCode(ctx context.Context, c account.Caller, id store.Identifier, templateType store.TemplateType) (*store.VerificationRecord, error) {
	if err := validateIdentifier(id); err != nil {
		return nil, err
	}
	switch templateType {
	case "", store.TemplateBindMFA, store.TemplateUserPermission:
	default:
		return nil, invalidBody(`templateType: expected "BindMfa" or "UserPermissionValidation"`)
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.Unauthorized.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("verification: loading user: %w", err)
	}

	own := (id.Type == store.IdentifierEmail && id.Value == u.PrimaryEmail) ||
		(id.Type == store.IdentifierPhone && id.Value == u.PrimaryPhone)
	switch {
	case !own:
		templateType = store.TemplateBindNewIdentifier
	case templateType == "":
		templateType = store.TemplateUserPermission
	}
	if !own && id.Type == store.IdentifierEmail {
		pol, err := s.settings.Policies(ctx)
		if err != nil {
			return nil, err
		}
		if err := pol.Email.Check(ctx, id.Value); err != nil {
			return nil, err
		}
	}

	r, err := s.newRecord(c, recordType(id.Type))
	if err != nil {
		return nil, err
	}
	if own {
		r.UserID = c.UserID
	}
	r.Identifier = &store.Identifier{Type: id.Type, Value: id.Value}
	r.TemplateType = templateType

	key := rateKey(id)
	n, err := s.store.HitRateLimit(ctx, key, s.sends.Window, s.now())
	if err != nil {
		return nil, fmt.Errorf("verification: counting sends: %w", err)
	}
	if n > s.sends.Max {
		return nil, apierror.MessageRateLimited
	}
	if err := s.sendCode(ctx, c, u, r); err != nil {
		// The send did not happen: it must not count against the recipient.
		if uerr := s.store.UndoRateLimitHit(ctx, key); uerr != nil {
			return nil, errors.Join(err, fmt.Errorf("verification: undoing a send count: %w", uerr))
		}
		return nil, err
	}
	return r, nil
}

// sendCode stores r with a new code and sends the code.
func (s *Service) sendCode(ctx context.Context, c account.Caller, u *store.User, r *store.VerificationRecord) error {
	if s.notifier == nil {
		return apierror.ConnectorNotFound.WithParam("type", string(r.Identifier.Type))
	}
	codeID, err := store.NewID(s.rand)
	if err != nil {
		return err
	}
	code, err := store.RandomString(s.rand, codeLength, codeDigits)
	if err != nil {
		return err
	}
	vc := &store.VerificationCode{
		ID: codeID, RecordID: r.ID, TemplateType: r.TemplateType, Destination: *r.Identifier,
		Code: code, CreatedAt: s.now(),
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		if err := tx.CreateVerificationRecord(ctx, r); err != nil {
			return err
		}
		return tx.CreateVerificationCode(ctx, vc)
	})
	if err != nil {
		return fmt.Errorf("verification: storing the code: %w", err)
	}
	m := notify.Message{
		Channel: notify.ChannelSMS, To: r.Identifier.Value, Type: r.TemplateType, Locale: c.Locale, Code: code,
	}
	if r.Identifier.Type == store.IdentifierEmail {
		m.Channel = notify.ChannelEmail
		m.User = notifyUser(u)
		if c.ClientID != "" {
			m.Application = &notify.Application{ID: c.ClientID}
		}
	}
	if err := s.notifier.Notify(ctx, m); err != nil {
		return mapNotifyError(err, r.Identifier.Type)
	}
	return nil
}

func mapNotifyError(err error, t store.IdentifierType) error {
	switch {
	case errors.Is(err, notify.ErrNoNotifier):
		return apierror.ConnectorNotFound.WithParam("type", string(t)).WithCause(err)
	case errors.Is(err, notify.ErrTemplateNotFound):
		return apierror.ConnectorTemplateNotFound.WithCause(err)
	}
	return apierror.ConnectorGeneral.WithCause(err)
}

func notifyUser(u *store.User) *notify.User {
	n := &notify.User{ID: u.ID, Username: u.Username, PrimaryEmail: u.PrimaryEmail, PrimaryPhone: u.PrimaryPhone}
	if u.Name != nil {
		n.Name = *u.Name
	}
	if u.Avatar != nil {
		n.Avatar = *u.Avatar
	}
	return n
}

func recordType(t store.IdentifierType) store.RecordType {
	if t == store.IdentifierPhone {
		return store.RecordPhoneCode
	}
	return store.RecordEmailCode
}

// rateKey is the send counter's key for a recipient, normalised so that one
// mailbox or one phone is one counter however it is written.
//
// The key is a hash, like the lockout's targets, so the store's counters
// hold no addresses: they outlive a deleted account until their window ends.
func rateKey(id store.Identifier) string {
	if id.Type == store.IdentifierPhone {
		return "send:" + Target("phone", store.PhoneKey(id.Value))
	}
	return "send:" + Target("email", store.EmailKey(id.Value))
}

// VerifyCode applies POST /api/verifications/verification-code/verify
// (docs/compatibility.md, "Order of checks" and "Codes"): it checks code
// against the code sent for record recordID and marks the record verified. It
// returns the record.
//
// Every attempt counts, in one store statement, before the code is compared,
// so a burst of guesses cannot exceed the code policy's MaxAttempts; the count, the
// comparison and the consumption of the right code run in one transaction,
// so of N concurrent right submissions exactly one succeeds and the others
// find the code consumed. Failures also count toward the lockout of the
// identifier.
// Stricter than Logto: only the user who requested the code may verify it.
func (s *Service) VerifyCode(ctx context.Context, c account.Caller, id store.Identifier, recordID, code string) (*store.VerificationRecord, error) {
	if err := validateIdentifier(id); err != nil {
		return nil, err
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	r, err := s.store.GetVerificationRecord(ctx, recordID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("verification: loading record: %w", err)
	}
	if r.Type != recordType(id.Type) || r.CreatedBy != c.UserID {
		return nil, apierror.RecordNotFound
	}

	// The attempt is reserved with the sentinel before the code is judged
	// (Sentinel.Begin), so concurrent guesses never outnumber the attempts
	// the policy allows.
	target := Target(string(id.Type), id.Value)
	attempt, err := s.sentinel.Begin(ctx, target)
	if err != nil {
		return nil, err
	}
	if err := s.checkCode(ctx, r, id, code); err != nil {
		var apiErr *apierror.Error
		if !errors.As(err, &apiErr) {
			return nil, attempt.Abandon(ctx, err)
		}
		return nil, attempt.Fail(ctx, c.UserID, err)
	}
	if err := attempt.Release(ctx); err != nil {
		return nil, err
	}

	for range 3 {
		r.Verified = true
		err = s.store.UpdateVerificationRecord(ctx, r)
		if !errors.Is(err, store.ErrConflict) {
			break
		}
		if r, err = s.store.GetVerificationRecord(ctx, recordID, s.now()); err != nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("verification: marking the record verified: %w", err)
	}
	return r, nil
}

// checkCode applies the rules of docs/compatibility.md, "Codes", in their
// order.
func (s *Service) checkCode(ctx context.Context, r *store.VerificationRecord, id store.Identifier, code string) error {
	if code == "" {
		return apierror.CodeNotFound
	}
	vc, err := s.store.FindVerificationCode(ctx, r.ID, r.TemplateType)
	if errors.Is(err, store.ErrNotFound) {
		return apierror.CodeNotFound.WithCause(err)
	}
	if err != nil {
		return fmt.Errorf("verification: loading the code: %w", err)
	}
	if vc.Destination.Type != id.Type || vc.Destination.Value != id.Value {
		if id.Type == store.IdentifierPhone {
			return apierror.CodePhoneMismatch
		}
		return apierror.CodeEmailMismatch
	}
	pol, err := s.settings.Policies(ctx)
	if err != nil {
		return err
	}
	codes := pol.Code.WithDefaults()
	if s.now().After(vc.CreatedAt.Add(codes.Lifetime)) {
		return apierror.CodeExpired
	}
	// Count, compare and consume in one transaction. The count's UPDATE holds
	// the code's row until the transaction ends (PostgreSQL; SQLite
	// transactions are serialised), so attempts at one code take turns: an
	// attempt that follows the right one finds the code consumed (rule 1,
	// verification_code.not_found) rather than counting past MaxAttempts,
	// which only wrong codes may exhaust (docs/compatibility.md, "Codes",
	// rules 4 and 5).
	var verdict error
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		tries, err := tx.IncrementCodeTries(ctx, vc.ID)
		if errors.Is(err, store.ErrNotFound) {
			verdict = apierror.CodeNotFound.WithCause(err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("verification: counting the attempt: %w", err)
		}
		if tries > codes.MaxAttempts {
			verdict = apierror.CodeExceedMaxTry
			return nil
		}
		if subtle.ConstantTimeCompare([]byte(code), []byte(vc.Code)) != 1 {
			verdict = apierror.CodeMismatch
			return nil
		}
		err = tx.ConsumeVerificationCode(ctx, vc.ID)
		if errors.Is(err, store.ErrNotFound) {
			verdict = apierror.CodeNotFound.WithCause(err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("verification: consuming the code: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return verdict
}
