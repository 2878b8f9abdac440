package mfa

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Use-case tests of the WebAuthn ceremonies, the factor list, rename and
// delete. The HTTP adapter's tests (e2e/httpadapter/webauthn_test.go) cover the
// wire contract and every refusal; these cover what only the use cases can
// show: go-webauthn's session survives the trip through a record, the
// randomness is the injected one, and the store's compare-and-set failures.
// Helpers start with "wa".

const (
	waTestRPID   = "accounts.example.com"
	waTestOrigin = "https://accounts.example.com"
)

var waTestClient = Client{Host: waTestRPID, Origin: waTestOrigin, UserAgent: "UA/1"}

// waFixture is a Service over a fresh SQLite store: every factor enabled,
// every field Edit, a fixed clock and a counter stream for randomness.
type waFixture struct {
	t      *testing.T
	svc    *Service
	store  store.Store
	now    time.Time
	mu     sync.Mutex
	events []event.Event
}

// waCounter is deterministic randomness: byte i of the stream is i (mod 256)
// plus a start, so that fixtures with other starts differ.
type waCounter struct {
	mu sync.Mutex
	i  byte
}

func (c *waCounter) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range p {
		p[i] = c.i
		c.i++
	}
	return len(p), nil
}

func newWAFixture(t *testing.T, st store.Store, mods ...func(*Config)) *waFixture {
	t.Helper()
	if st == nil {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "mfa.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		st = s
	}
	e := store.ControlEdit
	ac := store.AccountCenter{Enabled: true, Fields: store.AccountCenterFields{MFA: e, Username: e}}
	if err := st.SaveAccountCenter(context.Background(), &ac); err != nil {
		t.Fatal(err)
	}
	f := &waFixture{t: t, store: st, now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	cfg := Config{
		Store: st, Settings: mfSettings(t, st, f.clock, store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode),
		Now: f.clock, Rand: &waCounter{},
		Events: event.Func(func(_ context.Context, ev event.Event) { f.mu.Lock(); f.events = append(f.events, ev); f.mu.Unlock() }),
	}
	for _, m := range mods {
		m(&cfg)
	}
	var err error
	if f.svc, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *waFixture) clock() time.Time { return f.now }

func (f *waFixture) named(n event.Name) []event.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []event.Event
	for _, ev := range f.events {
		if ev.Name == n {
			out = append(out, ev)
		}
	}
	return out
}

// user stores a user with a password proof record, so that it can bind.
func (f *waFixture) user() (*store.User, account.Caller) {
	f.t.Helper()
	ctx := context.Background()
	id, _ := store.NewID(rand.Reader)
	u := &store.User{ID: id, Username: "user_" + id[:8], CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.store.CreateUser(ctx, u); err != nil {
		f.t.Fatal(err)
	}
	proof, _ := store.NewID(rand.Reader)
	if err := f.store.CreateVerificationRecord(ctx, &store.VerificationRecord{
		ID: proof, Type: store.RecordPassword, UserID: u.ID, CreatedBy: u.ID, CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour),
		Verified: true, Identifier: &store.Identifier{Type: store.IdentifierUserID, Value: u.ID},
	}); err != nil {
		f.t.Fatal(err)
	}
	return u, account.Caller{UserID: u.ID, Scopes: []string{"openid", "identities"}, VerificationRecordID: proof}
}

// waKey is a software authenticator with one ES256 credential.
type waKey struct {
	key     *ecdsa.PrivateKey
	id      []byte
	handle  []byte
	counter uint32
}

func newWAKey(t *testing.T) *waKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &waKey{key: k, id: id, counter: 1}
}

func waEnc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (k *waKey) authData(flags byte, attested []byte) []byte {
	h := sha256.Sum256([]byte(waTestRPID))
	out := binary.BigEndian.AppendUint32(append(h[:], flags|0x01|0x04), k.counter)
	return append(out, attested...)
}

func (k *waKey) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": waTestOrigin})
	return b
}

// create answers a registration as a browser's toJSON() would.
func (k *waKey) create(t *testing.T, o CreationOptions) RegistrationResponse {
	pub, _ := k.key.PublicKey.ECDH()
	raw := pub.Bytes()
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:]})
	if err != nil {
		t.Fatal(err)
	}
	handle, _ := base64.RawURLEncoding.DecodeString(o.User.ID)
	k.handle = handle
	attested := binary.BigEndian.AppendUint16(make([]byte, 16), uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(0x40, attested)})
	if err != nil {
		t.Fatal(err)
	}
	return RegistrationResponse{
		ID: waEnc(k.id), RawID: waEnc(k.id), ClientExtensionResults: json.RawMessage(`{}`),
		Response: AttestationResponse{
			ClientDataJSON: waEnc(k.clientData("webauthn.create", o.Challenge)), AttestationObject: waEnc(att),
			Transports: []string{"usb"},
		},
	}
}

// get answers an authentication, with the counter one up.
func (k *waKey) get(t *testing.T, o RequestOptions) AuthenticationResponse {
	k.counter++
	ad := k.authData(0, nil)
	cd := k.clientData("webauthn.get", o.Challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(bytes.Clone(ad), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return AuthenticationResponse{
		ID: waEnc(k.id), RawID: waEnc(k.id), ClientExtensionResults: json.RawMessage(`{}`),
		Response: AssertionResponse{ClientDataJSON: waEnc(cd), AuthenticatorData: waEnc(ad), Signature: waEnc(sig), UserHandle: waEnc(k.handle)},
	}
}

func waIs(t *testing.T, err error, want *apierror.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %s", err, want.Code())
	}
}

// TestWebAuthnUseCases walks the use cases end to end: register, bind, list,
// step up, rename, delete.
func TestWebAuthnUseCases(t *testing.T) {
	f := newWAFixture(t, nil)
	ctx := context.Background()
	u, c := f.user()
	k := newWAKey(t)

	reg, err := f.svc.BeginWebAuthnRegistration(ctx, c, waTestClient)
	if err != nil {
		t.Fatal(err)
	}
	// The challenge is the injected randomness: the fixture's counter
	// stream starts at 0 and the challenge is the first thing read.
	wantChallenge := make([]byte, challengeBytes)
	for i := range wantChallenge {
		wantChallenge[i] = byte(i)
	}
	if reg.Options.Challenge != waEnc(wantChallenge) || reg.Record.WebAuthn.Challenge != reg.Options.Challenge {
		t.Errorf("challenge %q (record %q), want the injected %q", reg.Options.Challenge, reg.Record.WebAuthn.Challenge, waEnc(wantChallenge))
	}
	if reg.Options.RP != (RPEntity{Name: waTestRPID, ID: waTestRPID}) || reg.Options.User.ID != waEnc([]byte(u.ID)) {
		t.Errorf("options = %+v", reg.Options)
	}

	rec, err := f.svc.FinishWebAuthnRegistration(ctx, c, waTestClient, reg.Record.ID, k.create(t, reg.Options))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Verified || rec.WebAuthn.Credential == nil || rec.WebAuthn.Credential.Agent != "UA/1" {
		t.Fatalf("record = %+v", rec)
	}
	if err := f.svc.BindWebAuthn(ctx, c, rec.ID, nil); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.ListFactors(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Type != store.FactorWebAuthn || list[0].Agent != "UA/1" || list[0].Name != nil || !list[0].LastUsedAt.IsZero() {
		t.Fatalf("list = %+v", list)
	}
	id := list[0].ID

	f.now = f.now.Add(time.Minute)
	auth, err := f.svc.BeginWebAuthnAuthentication(ctx, c, waTestClient)
	if err != nil {
		t.Fatal(err)
	}
	want := RequestOptions{Challenge: auth.Options.Challenge, Timeout: 60000, RPID: waTestRPID, UserVerification: "required",
		AllowCredentials: []CredentialDescriptor{{ID: waEnc(k.id), Type: "public-key", Transports: []string{"usb"}}}}
	if diff := cmp.Diff(want, auth.Options); diff != "" {
		t.Errorf("request options (-want +got):\n%s", diff)
	}
	stepUp, err := f.svc.FinishWebAuthnAuthentication(ctx, c, waTestClient, auth.Record.ID, k.get(t, auth.Options))
	if err != nil {
		t.Fatal(err)
	}
	proof := c
	proof.VerificationRecordID = stepUp.ID
	if ok, err := account.IdentityVerified(ctx, f.store, f.now, proof); err != nil || !ok {
		t.Errorf("the step-up record is not identity proof: %v, %v", ok, err)
	}
	list, _ = f.svc.ListFactors(ctx, c)
	if !list[0].LastUsedAt.Equal(f.now) {
		t.Errorf("lastUsedAt = %v", list[0].LastUsedAt)
	}

	if err := f.svc.RenameWebAuthnFactor(ctx, c, id, "Key"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteFactor(ctx, c, id); err != nil {
		t.Fatal(err)
	}
	waIs(t, f.svc.DeleteFactor(ctx, c, id), apierror.RecordNotFound)
	if n := len(f.named(event.UserDataUpdated)); n != 3 {
		t.Errorf("%d User.Data.Updated events, want 3 (bind, rename, delete)", n)
	}
}

// waFlaky fails one store method with ErrConflict while armed, inside and
// outside transactions.
type waFlaky struct {
	store.Store
	failSignCount, failRecordUpdate *bool
}

func (s waFlaky) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		return fn(ctx, waFlaky{tx, s.failSignCount, s.failRecordUpdate})
	})
}

func (s waFlaky) UpdateSignCount(ctx context.Context, id string, prev, next uint32, at time.Time) error {
	if *s.failSignCount {
		return store.ErrConflict
	}
	return s.Store.UpdateSignCount(ctx, id, prev, next, at)
}

func (s waFlaky) UpdateVerificationRecord(ctx context.Context, r *store.VerificationRecord) error {
	if *s.failRecordUpdate {
		return store.ErrConflict
	}
	return s.Store.UpdateVerificationRecord(ctx, r)
}

// TestWebAuthnAuthenticationCounterMoved: when the stored counter moves
// between reading and writing it, nothing is written, the answer is
// webauthn_verification_failed, nothing is reported, and the same response
// can be sent again.
func TestWebAuthnAuthenticationCounterMoved(t *testing.T) {
	base := newWAFixture(t, nil).store
	failSignCount, failRecord := false, false
	f := newWAFixture(t, waFlaky{base, &failSignCount, &failRecord})
	ctx := context.Background()
	_, c := f.user()
	k := newWAKey(t)
	reg, err := f.svc.BeginWebAuthnRegistration(ctx, c, waTestClient)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.svc.FinishWebAuthnRegistration(ctx, c, waTestClient, reg.Record.ID, k.create(t, reg.Options))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.BindWebAuthn(ctx, c, rec.ID, nil); err != nil {
		t.Fatal(err)
	}
	auth, err := f.svc.BeginWebAuthnAuthentication(ctx, c, waTestClient)
	if err != nil {
		t.Fatal(err)
	}
	resp := k.get(t, auth.Options)

	failSignCount = true
	_, err = f.svc.FinishWebAuthnAuthentication(ctx, c, waTestClient, auth.Record.ID, resp)
	waIs(t, err, apierror.WebAuthnVerificationFailed)
	stored, err := f.store.GetVerificationRecord(ctx, auth.Record.ID, f.now)
	if err != nil || stored.Verified || stored.WebAuthn.Challenge == "" {
		t.Fatalf("after a moved counter the record is %+v, %v; want it unverified with its challenge", stored, err)
	}
	if n := len(f.named(event.WebAuthnSignCountRegressed)); n != 0 {
		t.Errorf("%d regression events", n)
	}

	failSignCount = false
	if _, err := f.svc.FinishWebAuthnAuthentication(ctx, c, waTestClient, auth.Record.ID, resp); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

// TestWebAuthnRegistrationLostRace: a response whose compare-and-set on the
// record loses (another response to the same challenge won) fails.
func TestWebAuthnRegistrationLostRace(t *testing.T) {
	base := newWAFixture(t, nil).store
	failSignCount, failRecord := false, true
	f := newWAFixture(t, waFlaky{base, &failSignCount, &failRecord})
	ctx := context.Background()
	_, c := f.user()
	reg, err := f.svc.BeginWebAuthnRegistration(ctx, c, waTestClient)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.FinishWebAuthnRegistration(ctx, c, waTestClient, reg.Record.ID, newWAKey(t).create(t, reg.Options))
	waIs(t, err, apierror.WebAuthnVerificationFailed)
}

// TestWebAuthnSessionsSurviveTheRecord checks that the SessionData the
// Finish steps rebuild from a record is the one go-webauthn's Begin step
// returned: the record keeps the per-ceremony members, and the extensions
// and algorithms, the same for every ceremony of a kind, are put back.
func TestWebAuthnSessionsSurviveTheRecord(t *testing.T) {
	s := &Service{webauthn: WebAuthnConfig{Timeout: time.Minute}}
	rp := relyingParty{id: "example.com", name: "Example"}
	origins := []string{"https://example.com"}
	challenge := bytes.Repeat([]byte{7}, challengeBytes)
	cred := webauthn.Credential{ID: []byte("credential-1"), PublicKey: []byte{1}, Transport: []protocol.AuthenticatorTransport{"usb"}}
	user := &webauthnUser{handle: []byte("user-1"), name: "ann", displayName: "Ann", credentials: []webauthn.Credential{cred}}

	_, reg, err := s.beginRegistration(rp, origins, user, []protocol.CredentialDescriptor{cred.Descriptor()}, challenge)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*reg, registrationSession(sessionRecord(reg)), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("registration session (-begun +rebuilt):\n%s", diff)
	}
	if reg.Challenge != waEnc(challenge) {
		t.Errorf("registration challenge %q, want the given one", reg.Challenge)
	}

	_, login, err := s.beginAuthentication(rp, origins, user, challenge)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*login, authenticationSession(sessionRecord(login)), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("authentication session (-begun +rebuilt):\n%s", diff)
	}
}

func TestWebAuthnUserEntity(t *testing.T) {
	name := func(s string) *string { return &s }
	tests := []struct {
		name              string
		user              store.User
		userName, display string
	}{
		{"email", store.User{PrimaryEmail: "a@example.com", PrimaryPhone: "61412345678", Username: "ann"}, "a@example.com", "a@example.com"},
		{"phone", store.User{PrimaryPhone: "61412345678", Username: "ann"}, "+61 412 345 678", "+61 412 345 678"},
		{"unparsable phone", store.User{PrimaryPhone: "999"}, "999", "999"},
		{"username", store.User{Username: "ann"}, "ann", "ann"},
		{"name", store.User{Username: "ann", Name: name("Ann A.")}, "ann", "Ann A."},
		{"empty name", store.User{Username: "ann", Name: name("")}, "ann", ""},
		{"nothing", store.User{}, "Unnamed User", "Unnamed User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.user.ID = "u1"
			got := newWebAuthnUser(&tt.user, nil)
			if got.name != tt.userName || got.displayName != tt.display || string(got.handle) != "u1" {
				t.Errorf("got name %q display %q handle %q", got.name, got.displayName, got.handle)
			}
		})
	}
}

func TestWebAuthnConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  WebAuthnConfig
		ok   bool
	}{
		{"zero", WebAuthnConfig{}, true},
		{"domain and origins", WebAuthnConfig{RPID: "example.com", Origins: []string{"https://example.com", "http://localhost:8080"}}, true},
		{"IP address", WebAuthnConfig{RPID: "192.0.2.1"}, false},
		{"RP id with a scheme", WebAuthnConfig{RPID: "https://example.com"}, false},
		{"RP id with upper case", WebAuthnConfig{RPID: "Example.com"}, false},
		{"origin without scheme", WebAuthnConfig{Origins: []string{"example.com"}}, false},
		{"origin with a path", WebAuthnConfig{Origins: []string{"https://example.com/app"}}, false},
		{"negative timeout", WebAuthnConfig{Timeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.validate(); (err == nil) != tt.ok {
				t.Errorf("validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n := "Key"
	tests := []struct {
		name string
		in   store.MFAFactor
		want FactorSummary
	}{
		{"TOTP shows no lastUsedAt", store.MFAFactor{ID: "t", Type: store.FactorTOTP, CreatedAt: at, LastUsedAt: at, TOTP: &store.TOTP{}},
			FactorSummary{ID: "t", Type: store.FactorTOTP, CreatedAt: at}},
		{"WebAuthn", store.MFAFactor{ID: "w", Type: store.FactorWebAuthn, CreatedAt: at, LastUsedAt: at, WebAuthn: &store.WebAuthnCredential{Agent: "UA", Name: &n}},
			FactorSummary{ID: "w", Type: store.FactorWebAuthn, CreatedAt: at, LastUsedAt: at, Agent: "UA", Name: &n}},
		{"backup codes count the unused", store.MFAFactor{ID: "b", Type: store.FactorBackupCode, CreatedAt: at, BackupCodes: []store.BackupCode{{}, {UsedAt: at}, {}}},
			FactorSummary{ID: "b", Type: store.FactorBackupCode, CreatedAt: at, RemainCodes: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarize(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
