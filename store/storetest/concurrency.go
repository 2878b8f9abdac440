package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

// racers is how many goroutines each concurrency test starts.
const racers = 20

func (s *suite) concurrency(t *testing.T) {
	t.Run("ConsumeVerificationCode", s.raceConsumeCode)
	t.Run("IncrementCodeTries", s.raceIncrementTries)
	t.Run("CreateUserSameIdentifier", s.raceCreateUser)
	t.Run("UpdateUserSameIdentifier", s.raceUpdateUser)
	t.Run("PutIdentitySameIdentity", s.racePutIdentity)
	t.Run("CreateMFAFactorTOTP", s.raceCreateTOTP)
	t.Run("CreateMFAFactorSameCredential", s.raceCreateCredential)
	t.Run("UseTOTPStep", s.raceUseTOTPStep)
	t.Run("UpdateSignCount", s.raceUpdateSignCount)
	t.Run("UseBackupCode", s.raceUseBackupCode)
	t.Run("UpdateVerificationRecord", s.raceUpdateRecord)
	t.Run("HitRateLimit", s.raceHitRateLimit)
	t.Run("RecordFailure", s.raceRecordFailure)
	t.Run("ForgetFailure", s.raceForgetFailure)
	t.Run("CreateVerificationCode", s.raceCreateCode)
}

// racerID is the id of racer i's user.
func racerID(i int) string { return fmt.Sprintf("u-racer-%02d", i) }

func (s *suite) raceConsumeCode(t *testing.T) {
	st := s.openWithRecords(t)
	must(t, "CreateVerificationCode", st.CreateVerificationCode(t.Context(), code("c-1", "r-1", store.TemplateSignIn)))
	errs := race(racers, func(int) error { return st.ConsumeVerificationCode(t.Context(), "c-1") })
	oneWinner(t, errs, store.ErrNotFound)
	_, err := st.FindVerificationCode(t.Context(), "r-1", store.TemplateSignIn)
	wantErr(t, "FindVerificationCode after the race", err, store.ErrNotFound)
}

func (s *suite) raceIncrementTries(t *testing.T) {
	st := s.openWithRecords(t)
	must(t, "CreateVerificationCode", st.CreateVerificationCode(t.Context(), code("c-1", "r-1", store.TemplateSignIn)))
	counts := make([]int, racers)
	errs := race(racers, func(i int) error {
		n, err := st.IncrementCodeTries(t.Context(), "c-1")
		counts[i] = n
		return err
	})
	for i, err := range errs {
		ok(t, fmt.Sprintf("IncrementCodeTries #%d", i), err)
	}
	distinctCounts(t, counts)
	want := code("c-1", "r-1", store.TemplateSignIn)
	want.TryCount = racers
	checkCode(t, st, "r-1", store.TemplateSignIn, want)
}

// raceIdentifierCases give racer i an identifier that all racers share under
// its key (varying case or form), and the error the losers get.
var raceIdentifierCases = []struct {
	name  string
	apply func(u *store.User, i int)
	want  error
}{
	{"email", func(u *store.User, i int) {
		u.PrimaryEmail = "race@example.com"
		if i%2 == 1 {
			u.PrimaryEmail = strings.ToUpper(u.PrimaryEmail)
		}
	}, store.ErrDuplicateEmail},
	{"phone", func(u *store.User, i int) {
		u.PrimaryPhone = []string{"61412345678", "610412345678"}[i%2]
	}, store.ErrDuplicatePhone},
	{"username", func(u *store.User, i int) { u.Username = "racer" }, store.ErrDuplicateUsername},
}

func (s *suite) raceCreateUser(t *testing.T) {
	for _, tt := range raceIdentifierCases {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			errs := race(racers, func(i int) error {
				u := bareUser(racerID(i))
				tt.apply(u, i)
				return st.CreateUser(t.Context(), u)
			})
			w := oneWinner(t, errs, tt.want)
			for i := range racers {
				if i != w {
					checkNoUser(t, st, racerID(i))
				}
			}
		})
	}
}

func (s *suite) raceUpdateUser(t *testing.T) {
	for _, tt := range raceIdentifierCases {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			for i := range racers {
				mustCreateUser(t, st, bareUser(racerID(i)))
			}
			errs := race(racers, func(i int) error {
				u := bareUser(racerID(i))
				tt.apply(u, i)
				u.Name = ptr("winner")
				return st.UpdateUser(t.Context(), u)
			})
			w := oneWinner(t, errs, tt.want)
			for i := range racers {
				want := bareUser(racerID(i))
				if i == w {
					tt.apply(want, i)
					want.Name = ptr("winner")
				}
				checkUser(t, st, racerID(i), want)
			}
		})
	}
}

func (s *suite) racePutIdentity(t *testing.T) {
	st := s.open(t)
	for i := range racers {
		mustCreateUser(t, st, bareUser(racerID(i)))
	}
	errs := race(racers, func(i int) error {
		_, err := st.PutIdentity(t.Context(), racerID(i), "github", store.Identity{UserID: "gh-1"})
		return err
	})
	w := oneWinner(t, errs, store.ErrDuplicateIdentity)
	if w >= 0 {
		got, err := st.FindUserByIdentity(t.Context(), "github", "gh-1")
		if ok(t, "FindUserByIdentity", err) && got.ID != racerID(w) {
			t.Errorf("FindUserByIdentity = %q, want the winner %q", got.ID, racerID(w))
		}
	}
}

func (s *suite) raceCreateTOTP(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	errs := race(racers, func(i int) error {
		return st.CreateMFAFactor(t.Context(), totpFactor(fmt.Sprintf("f-totp-%02d", i), "u-ann"))
	})
	oneWinner(t, errs, store.ErrDuplicateTOTP)
	if ids := factorIDs(t, st, "u-ann"); len(ids) != 1 {
		t.Errorf("ListMFAFactors after the race = %v, want one TOTP factor", ids)
	}
}

func (s *suite) raceCreateCredential(t *testing.T) {
	st := s.open(t)
	for i := range racers {
		mustCreateUser(t, st, bareUser(racerID(i)))
	}
	errs := race(racers, func(i int) error {
		return st.CreateMFAFactor(t.Context(), webAuthnFactor(fmt.Sprintf("f-wa-%02d", i), racerID(i), []byte("cred-1")))
	})
	w := oneWinner(t, errs, store.ErrDuplicateCredential)
	if w >= 0 {
		got, err := st.FindWebAuthnCredential(t.Context(), []byte("cred-1"))
		if ok(t, "FindWebAuthnCredential", err) && got.UserID != racerID(w) {
			t.Errorf("FindWebAuthnCredential: user %q, want the winner %q", got.UserID, racerID(w))
		}
	}
}

func (s *suite) raceUseTOTPStep(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	f := totpFactor("f-1", "u-ann")
	mustCreateFactor(t, st, f)
	step := f.TOTP.LastUsedStep + 1
	errs := race(racers, func(int) error { return st.UseTOTPStep(t.Context(), "f-1", step, at(0)) })
	oneWinner(t, errs, store.ErrConflict)
	want := totpFactor("f-1", "u-ann")
	want.TOTP.LastUsedStep, want.LastUsedAt = step, at(0)
	checkFactor(t, st, "u-ann", "f-1", want)
}

func (s *suite) raceUpdateSignCount(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	f := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
	f.WebAuthn.SignCount = 5
	mustCreateFactor(t, st, f)
	errs := race(racers, func(int) error { return st.UpdateSignCount(t.Context(), "f-1", 5, 6, at(0)) })
	oneWinner(t, errs, store.ErrConflict)
	want := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
	want.WebAuthn.SignCount, want.LastUsedAt = 6, at(0)
	checkFactor(t, st, "u-ann", "f-1", want)
}

func (s *suite) raceUseBackupCode(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateFactor(t, st, backupCodeFactor("f-1", "u-ann"))
	errs := race(racers, func(i int) error {
		return st.UseBackupCode(t.Context(), "f-1", 0, at(time.Duration(i)*time.Millisecond))
	})
	w := oneWinner(t, errs, store.ErrNotFound)
	if w >= 0 {
		want := backupCodeFactor("f-1", "u-ann")
		want.BackupCodes[0].UsedAt = at(time.Duration(w) * time.Millisecond)
		want.LastUsedAt = want.BackupCodes[0].UsedAt
		checkFactor(t, st, "u-ann", "f-1", want)
	}
}

func (s *suite) raceUpdateRecord(t *testing.T) {
	st := s.openWithUsers(t)
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-1", "u-ann", "u-ann")))
	errs := race(racers, func(i int) error {
		r := withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1)
		r.Verified, r.FactorID = true, fmt.Sprintf("f-%02d", i)
		return st.UpdateVerificationRecord(t.Context(), r)
	})
	w := oneWinner(t, errs, store.ErrConflict)
	if w >= 0 {
		want := withVersion(codeRecord("r-1", "u-ann", "u-ann"), 2)
		want.Verified, want.FactorID = true, fmt.Sprintf("f-%02d", w)
		checkRecord(t, st, "r-1", want)
	}
}

func (s *suite) raceHitRateLimit(t *testing.T) {
	st := s.open(t)
	counts := make([]int, racers)
	errs := race(racers, func(i int) error {
		n, err := st.HitRateLimit(t.Context(), "k", time.Hour, at(0))
		counts[i] = n
		return err
	})
	for i, err := range errs {
		ok(t, fmt.Sprintf("HitRateLimit #%d", i), err)
	}
	distinctCounts(t, counts)
}

func (s *suite) raceRecordFailure(t *testing.T) {
	st := s.open(t)
	counts := make([]int, racers)
	errs := race(racers, func(i int) error {
		n, err := st.RecordFailure(t.Context(), "target", at(0), time.Hour)
		counts[i] = n
		return err
	})
	for i, err := range errs {
		ok(t, fmt.Sprintf("RecordFailure #%d", i), err)
	}
	distinctCounts(t, counts)
}

// raceForgetFailure records failures and forgets half of them at once, with
// further failures racing: each forgets a distinct one.
func (s *suite) raceForgetFailure(t *testing.T) {
	st := s.open(t)
	for i := range racers {
		_, err := st.RecordFailure(t.Context(), "target", at(0), time.Hour)
		must(t, fmt.Sprintf("RecordFailure #%d", i), err)
	}
	errs := race(racers, func(i int) error {
		if i%2 == 0 {
			return st.ForgetFailure(t.Context(), "target", at(0))
		}
		_, err := st.RecordFailure(t.Context(), "target", at(time.Second), time.Hour)
		return err
	})
	for i, err := range errs {
		ok(t, fmt.Sprintf("racer #%d", i), err)
	}
	forgotten, recorded := (racers+1)/2, racers/2
	want := racers - forgotten + recorded + 1
	n, err := st.RecordFailure(t.Context(), "target", at(2*time.Second), time.Hour)
	if ok(t, "RecordFailure after the race", err) && n != want {
		t.Errorf("RecordFailure after the race = %d, want %d", n, want)
	}
}

func (s *suite) raceCreateCode(t *testing.T) {
	st := s.openWithRecords(t)
	errs := race(racers, func(i int) error {
		return st.CreateVerificationCode(t.Context(), code(fmt.Sprintf("c-%d", i), "r-1", store.TemplateSignIn))
	})
	for i, err := range errs {
		ok(t, fmt.Sprintf("CreateVerificationCode #%d", i), err)
	}
	// Exactly one unconsumed code is left: consuming the one Find returns
	// leaves none.
	c, err := st.FindVerificationCode(t.Context(), "r-1", store.TemplateSignIn)
	must(t, "FindVerificationCode", err)
	must(t, "ConsumeVerificationCode", st.ConsumeVerificationCode(t.Context(), c.ID))
	_, err = st.FindVerificationCode(t.Context(), "r-1", store.TemplateSignIn)
	wantErr(t, "FindVerificationCode after consuming the survivor", err, store.ErrNotFound)
}
