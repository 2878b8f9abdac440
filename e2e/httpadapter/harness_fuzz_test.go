package httpadapter_test

// The server the fuzz targets of this package run against
// (docs/compatibility.md, "Bodies are capped and strictly decoded": no input
// produces a 500, and a refused request changes nothing). Helpers start with
// "fz".
//
// Building a server costs far more than serving one request, so each fuzz
// target builds one per worker process and keeps it: a migrated SQLite
// database holding a small fixed fixture set (users, factors, a token,
// verification records with fixed ids that seeds can name) is written once,
// and the server is rebuilt over a fresh copy of it whenever a request
// changed anything in the store (a success, a counted failure, a spent
// challenge). So every input runs against the fixtures as they were written,
// and a failing input replays alone as it failed.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pquerna/otp/totp"
	"golang.org/x/net/http/httpguts"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
	"github.com/accountapi/accountapi/verification"
)

// fzSecret signs the fuzz server's HS256 tokens.
const fzSecret = "fuzz-secret-fuzz-secret-fuzz-secret!"

// The host the fuzz requests are sent to: the WebAuthn relying-party id is
// its host name and the expected origin fzOrigin.
const (
	fzHost   = "localhost:8080"
	fzOrigin = "http://localhost:8080"
	fzRPID   = "localhost"
)

// fzNow is the fuzz server's fixed clock: tokens, records and TOTP codes made
// for it stay valid, so committed seeds keep working.
var fzNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// Fixture ids (21 characters, as store.NewID makes them), fixed so that seeds
// can name them.
const (
	fzAlice = "fzalice00000000000000" // password, email, phone, identity, every factor, a token
	fzBob   = "fzbob0000000000000000" // username and email only
	fzCarol = "fzcarol00000000000000" // suspended, with a password
	fzNoone = "fznoone00000000000000" // no such user
	// Users with imported digests the hasher cannot or will not check, and
	// one it checks the fast way.
	fzDave  = "fzdave000000000000000" // a malformed Bcrypt digest
	fzErin  = "fzerin000000000000000" // an Argon2id digest over the hasher's limits
	fzFrank = "fzfrank00000000000000" // a Logto Legacy digest of fzPassword

	fzTOTPFactor   = "fztotpfactor000000000"
	fzBackupFactor = "fzbackupfactor0000000"
	fzWAFactor     = "fzwafactor00000000000"

	fzProofAlice  = "fzproofalice000000000" // verified password record of alice
	fzProofBob    = "fzproofbob00000000000" // verified password record of bob
	fzNewEmail    = "fznewemail00000000000" // verified new-email record created by alice
	fzNewPhone    = "fznewphone00000000000" // verified new-phone record created by alice
	fzSocial      = "fzsocial0000000000000" // verified social record created by alice
	fzSocialBegun = "fzsocialbegun00000000" // social record awaiting its callback
	fzCodeRecord  = "fzcoderecord000000000" // email code record of alice awaiting fzCode
	fzWAReg       = "fzwareg0000000000000a" // WebAuthn registration ceremony of alice
	fzWAAuth      = "fzwaauth00000000000aa" // WebAuthn authentication ceremony of alice
	fzWARegDone   = "fzwaregdone000000000a" // verified WebAuthn registration, ready to bind
)

// Fixture values seeds use.
const (
	fzPassword     = "Fuzz-pass-1234"
	fzAliceEmail   = "alice@example.com"
	fzAliceNewMail = "alice.new@example.com"
	fzAlicePhone   = "15555550100"
	fzAliceNewTel  = "15555550123"
	fzCode         = "123456"
	fzTOTPSecret   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	fzTokenName    = "fz-token"
	fzSocialTarget = "mock-social"
	fzSocialState  = "fz-state"
)

// fzBackupCodes are alice's unused backup codes.
var fzBackupCodes = []string{
	"0123456789", "1123456789", "2123456789", "3123456789", "4123456789",
	"5123456789", "6123456789", "7123456789", "8123456789", "9123456789",
}

// fzTOTPCode is the TOTP code of fzTOTPSecret at fzNow.
func fzTOTPCode() string {
	c, err := totp.GenerateCode(fzTOTPSecret, fzNow)
	if err != nil {
		panic(err)
	}
	return c
}

// The WebAuthn ceremonies' fixed challenges (base64url of 32 bytes).
var (
	fzRegChallenge  = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xa1}, 32))
	fzAuthChallenge = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xb2}, 32))
)

// fzServer is the fuzz targets' server: both handlers over a SQLite copy of
// the fixture database.
type fzServer struct {
	// mu serves requests one at a time: each is checked against the state
	// the previous one left.
	mu      sync.Mutex
	dir     string
	fixture []byte // the fixture database, closed
	// pristine and pristineFP are the snapshot and fingerprint of the
	// fixture database.
	pristine   fzSnapshot
	pristineFP fzFingerprint
	hasher     *password.Hasher
	// fpQuery reads the fingerprint of the tables fpTables.
	fpQuery  string
	fpTables []string

	st     *sqlite.Store
	mux    *http.ServeMux
	ah, mh http.Handler
	// nulQuery finds the stored text that may hold a NUL (storedNUL).
	nulQuery string
	// log receives the handlers' failure reports, for the messages of
	// failing inputs.
	log bytes.Buffer
}

// fzNewServer builds a server for the fuzz target f: each target, in each
// fuzz worker process, has its own, in f's temporary directory.
func fzNewServer(f *testing.F) *fzServer {
	f.Helper()
	s, err := fzBuild(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.st.Close() })
	return s
}

func fzBuild(dir string) (*fzServer, error) {
	// Argon2 and bcrypt digests imported through POST /api/users are
	// computed with their own parameters: tight limits keep every input
	// cheap (the limits themselves are FuzzVerify's business).
	hasher, err := password.New(fzPasswordConfig)
	if err != nil {
		return nil, err
	}
	s := &fzServer{dir: dir, hasher: hasher}
	path := filepath.Join(dir, "fixture.db")
	st, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.populate(ctx, st); err != nil {
		st.Close()
		return nil, fmt.Errorf("fuzz fixtures: %w", err)
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	if s.fixture, err = os.ReadFile(path); err != nil {
		return nil, err
	}
	if err := s.reset(); err != nil {
		return nil, err
	}
	if s.nulQuery, err = fzNULQuery(ctx, s.st); err == nil {
		if s.fpQuery, s.fpTables, err = fzFingerprintQuery(ctx, s.st); err == nil {
			if s.pristine, err = s.snapshot(ctx); err == nil {
				s.pristineFP, err = s.fingerprint(ctx)
			}
		}
	}
	if err != nil {
		s.st.Close()
		return nil, err
	}
	return s, nil
}

// fzRand is the deterministic randomness of the services: ids, codes and
// challenges repeat from one rebuild to the next. The fixtures are made with
// another stream than the servers', whose ids would collide with theirs.
func fzRand(stream byte) io.Reader { return rand.NewChaCha8([32]byte{'f', 'u', 'z', 'z', stream}) }

// fzDiscard is a notifier that delivers every message nowhere, so that no
// route answers 501 connector.not_found.
type fzDiscard struct{}

func (fzDiscard) Notify(context.Context, notify.Message) error { return nil }

// fzPasswordConfig is the hasher of the fixtures and of the services.
var fzPasswordConfig = password.Config{
	Params:    password.Params{Memory: 64, Time: 1},
	MaxMemory: 1024, MaxTime: 4, MaxThreads: 4, MaxBcryptCost: 5,
}

// services builds the library over st with accountapi.New, as a host would:
// randomness from rnd, the fixed clock, the handlers' failure reports to
// logger, and a small body cap, so that the fuzzer reaches 413 with short
// inputs.
func (s *fzServer) services(st store.Store, rnd io.Reader, logger *slog.Logger) (*accountapi.API, error) {
	auth, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(fzSecret), Now: func() time.Time { return fzNow }})
	if err != nil {
		return nil, err
	}
	return accountapi.New(accountapi.Config{
		Store: st, Authenticator: auth, FirstParty: accountapi.AllClientsFirstParty,
		// The fixtures store TOTP secrets and backup codes as they are.
		InsecurePlaintextMFASecrets: true,
		SettingsCacheTTL:            -1,
		Policies: account.Policies{MFA: account.MFAPolicy{
			Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode},
		}},
		Password: fzPasswordConfig,
		Notifier: fzDiscard{},
		Connectors: connector.Set{
			"mock":  connector.Mock{},
			"email": connector.Passive(connector.TypeEmail),
		},
		MaxBodyBytes: 4 << 10,
		Logger:       logger,
		Now:          func() time.Time { return fzNow },
		Rand:         rnd,
	})
}

// reset rebuilds the server over a fresh copy of the fixture database.
func (s *fzServer) reset() error {
	if s.st != nil {
		s.st.Close()
		s.st = nil
	}
	path := filepath.Join(s.dir, "server.db")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.WriteFile(path, s.fixture, 0o600); err != nil {
		return err
	}
	st, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	// The handlers log what made a 5xx; a failing input shows it.
	api, err := s.services(st, fzRand(1), slog.New(slog.NewTextHandler(&s.log, nil)))
	if err != nil {
		st.Close()
		return err
	}
	ah, mh := api.AccountHandler(), api.ManagementHandler()
	mux := http.NewServeMux()
	ah.Mount(mux, "")
	mh.Mount(mux, "")
	s.st, s.mux, s.ah, s.mh = st, mux, ah, mh
	return nil
}

// populate stores the fixtures in st.
func (s *fzServer) populate(ctx context.Context, st store.Store) error {
	svc, err := s.services(st, fzRand(0), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	ac := store.AccountCenter{Enabled: true, WebAuthnRelatedOrigins: []string{}, UpdatedAt: fzNow}
	e := store.ControlEdit
	ac.Fields = store.AccountCenterFields{
		Name: e, Avatar: e, Profile: e, Email: e, Phone: e, Password: e, Username: e,
		Social: e, CustomData: e, MFA: e, Passkey: e,
	}
	if err := st.SaveAccountCenter(ctx, &ac); err != nil {
		return err
	}
	digest, alg, err := s.hasher.Hash(ctx, fzPassword)
	if err != nil {
		return err
	}
	str := func(s string) *string { return &s }
	enabled := true
	users := []*store.User{{
		ID: fzAlice, Username: "fz_alice", PrimaryEmail: fzAliceEmail, PrimaryPhone: fzAlicePhone,
		Name: str("Alice"), Avatar: str("https://example.com/alice.png"),
		Profile:        store.Profile{GivenName: str("Alice"), Address: &store.Address{Locality: str("Paris")}},
		CustomData:     map[string]any{"plan": "pro", "n": json.Number("1")},
		Identities:     map[string]store.Identity{fzSocialTarget: {UserID: "social-alice", Details: map[string]any{"id": "social-alice"}}},
		PasswordDigest: digest, PasswordAlgorithm: alg, PasswordUpdatedAt: fzNow,
		LogtoConfig: store.LogtoConfig{MFA: store.MFAConfig{Enabled: &enabled}},
	}, {
		ID: fzBob, Username: "fz_bob", PrimaryEmail: "bob@example.com", CustomData: map[string]any{},
	}, {
		ID: fzCarol, Username: "fz_carol", PasswordDigest: digest, PasswordAlgorithm: alg,
		IsSuspended: true, CustomData: map[string]any{},
	}, {
		ID: fzDave, Username: "fz_dave", PasswordDigest: "$2b$04$abc", PasswordAlgorithm: store.Bcrypt,
		CustomData: map[string]any{},
	}, {
		ID: fzErin, Username: "fz_erin", PrimaryEmail: "erin@example.com", PasswordAlgorithm: store.Argon2id,
		PasswordDigest: "$argon2id$v=19$m=262144,t=256,p=16$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		CustomData:     map[string]any{},
	}, {
		ID: fzFrank, Username: "fz_frank", PasswordAlgorithm: store.Legacy,
		PasswordDigest: fzLegacyDigest(fzPassword), CustomData: map[string]any{},
	}}
	for _, u := range users {
		u.CreatedAt, u.UpdatedAt = fzNow.Add(-time.Hour), fzNow.Add(-time.Hour)
		if err := st.CreateUser(ctx, u); err != nil {
			return err
		}
	}

	codes := make([]store.BackupCode, len(fzBackupCodes))
	for i, c := range fzBackupCodes {
		codes[i].Code = c
	}
	a := fzNewAuthenticator()
	factors := []*store.MFAFactor{
		{ID: fzTOTPFactor, UserID: fzAlice, Type: store.FactorTOTP, TOTP: &store.TOTP{Secret: fzTOTPSecret}},
		{ID: fzBackupFactor, UserID: fzAlice, Type: store.FactorBackupCode, BackupCodes: codes},
		{ID: fzWAFactor, UserID: fzAlice, Type: store.FactorWebAuthn, WebAuthn: &store.WebAuthnCredential{
			RPID: fzRPID, CredentialID: a.credID, PublicKey: a.coseKey(), SignCount: 1,
			Transports: []string{"internal"}, AAGUID: make([]byte, 16), AttestationType: "none", Agent: "FuzzBrowser/1.0",
		}},
	}
	for i, f := range factors {
		f.CreatedAt = fzNow.Add(-time.Duration(len(factors)-i) * time.Minute)
		if err := st.CreateMFAFactor(ctx, f); err != nil {
			return err
		}
	}
	tokenHash := sha256.Sum256([]byte("fz-token-value"))
	if err := st.CreatePersonalAccessToken(ctx, &store.PersonalAccessToken{
		UserID: fzAlice, Name: fzTokenName, Hash: tokenHash[:], CreatedAt: fzNow.Add(-time.Hour),
	}); err != nil {
		return err
	}

	expires := fzNow.Add(verification.RecordTTL)
	records := []*store.VerificationRecord{
		{ID: fzProofAlice, Type: store.RecordPassword, UserID: fzAlice, CreatedBy: fzAlice, Verified: true,
			Identifier: &store.Identifier{Type: store.IdentifierUserID, Value: fzAlice}},
		{ID: fzProofBob, Type: store.RecordPassword, UserID: fzBob, CreatedBy: fzBob, Verified: true,
			Identifier: &store.Identifier{Type: store.IdentifierUserID, Value: fzBob}},
		{ID: fzNewEmail, Type: store.RecordEmailCode, CreatedBy: fzAlice, Verified: true,
			Identifier: &store.Identifier{Type: store.IdentifierEmail, Value: fzAliceNewMail}, TemplateType: store.TemplateBindNewIdentifier},
		{ID: fzNewPhone, Type: store.RecordPhoneCode, CreatedBy: fzAlice, Verified: true,
			Identifier: &store.Identifier{Type: store.IdentifierPhone, Value: fzAliceNewTel}, TemplateType: store.TemplateBindNewIdentifier},
		{ID: fzSocial, Type: store.RecordSocial, CreatedBy: fzAlice, Verified: true,
			Social: &store.SocialVerification{ConnectorID: "mock", UserInfo: &store.SocialUserInfo{
				ID: "social-alice-2", Email: "alice.social@example.com", RawData: map[string]any{"userId": "social-alice-2"},
			}}},
		{ID: fzSocialBegun, Type: store.RecordSocial, CreatedBy: fzAlice,
			Social: &store.SocialVerification{ConnectorID: "mock", Session: map[string]string{
				"state": fzSocialState, "redirectUri": "https://app.example.com/callback",
			}}},
		{ID: fzCodeRecord, Type: store.RecordEmailCode, UserID: fzAlice, CreatedBy: fzAlice,
			Identifier: &store.Identifier{Type: store.IdentifierEmail, Value: fzAliceEmail}, TemplateType: store.TemplateUserPermission},
	}
	for _, r := range records {
		r.CreatedAt, r.ExpiresAt = fzNow, expires
		if err := st.CreateVerificationRecord(ctx, r); err != nil {
			return err
		}
	}
	if err := st.CreateVerificationCode(ctx, &store.VerificationCode{
		ID: "fzcode000000000000000", RecordID: fzCodeRecord, TemplateType: store.TemplateUserPermission,
		Destination: store.Identifier{Type: store.IdentifierEmail, Value: fzAliceEmail}, Code: fzCode, CreatedAt: fzNow,
	}); err != nil {
		return err
	}

	// The WebAuthn ceremonies are begun by the service, so that their
	// records have the shape it gives them, then copied under fixed ids
	// with fixed challenges.
	caller := account.Caller{UserID: fzAlice, Scopes: []string{"openid", "identities"}, VerificationRecordID: fzProofAlice}
	cl := mfa.Client{Host: fzRPID, Origin: fzOrigin, UserAgent: "FuzzBrowser/1.0"}
	reg, err := svc.MFA().BeginWebAuthnRegistration(ctx, caller, cl)
	if err != nil {
		return fmt.Errorf("beginning a registration: %w", err)
	}
	auth, err := svc.MFA().BeginWebAuthnAuthentication(ctx, caller, cl)
	if err != nil {
		return fmt.Errorf("beginning an authentication: %w", err)
	}
	copies := []struct {
		from, to, challenge string
		done                bool
	}{
		{reg.Record.ID, fzWAReg, fzRegChallenge, false},
		{auth.Record.ID, fzWAAuth, fzAuthChallenge, false},
		{reg.Record.ID, fzWARegDone, "", true},
	}
	for _, c := range copies {
		r, err := st.GetVerificationRecord(ctx, c.from, fzNow)
		if err != nil {
			return err
		}
		r.ID, r.Version = c.to, 0
		r.WebAuthn.Challenge = c.challenge
		if c.done {
			other := fzNewAuthenticator()
			other.credID = bytes.Repeat([]byte{0xd4}, 32)
			r.Verified = true
			r.WebAuthn.Credential = &store.WebAuthnCredential{
				RPID: fzRPID, CredentialID: other.credID, PublicKey: other.coseKey(),
				Transports: []string{"usb"}, AAGUID: make([]byte, 16), AttestationType: "none",
			}
		}
		if err := st.CreateVerificationRecord(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// fzLegacyDigest is pw's digest in Logto's Legacy format.
func fzLegacyDigest(pw string) string {
	h := sha256.Sum256([]byte("salt" + pw))
	return `["sha256",["salt","@"],"` + hex.EncodeToString(h[:]) + `"]`
}

// fzAuthenticator is a software authenticator with one fixed ES256
// credential, so that committed seeds carry signatures that verify.
type fzAuthenticator struct {
	key     *ecdsa.PrivateKey
	credID  []byte
	counter uint32
}

func fzNewAuthenticator() *fzAuthenticator {
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		panic(err)
	}
	return &fzAuthenticator{key: key, credID: bytes.Repeat([]byte{0xc3}, 32), counter: 1}
}

func fzB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// coseKey is the credential public key as a COSE_Key (RFC 9052 §7, EC2).
func (a *fzAuthenticator) coseKey() []byte {
	pub, err := a.key.PublicKey.ECDH()
	if err != nil {
		panic(err)
	}
	raw := pub.Bytes() // 0x04 || X || Y
	em, err := cbor.CanonicalEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	b, err := em.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		panic(err)
	}
	return b
}

func fzClientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": fzOrigin, "crossOrigin": false})
	return b
}

func (a *fzAuthenticator) authData(flags byte, attested []byte) []byte {
	h := sha256.Sum256([]byte(fzRPID))
	out := append(h[:], flags|0x01|0x04) // UP, UV
	out = binary.BigEndian.AppendUint32(out, a.counter)
	return append(out, attested...)
}

// registration answers the fzWAReg ceremony as navigator.credentials.create()
// and toJSON() would, with Logto's type "WebAuthn".
func (a *fzAuthenticator) registration() map[string]any {
	attested := make([]byte, 16) // AAGUID
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.credID)))
	attested = append(attested, a.credID...)
	attested = append(attested, a.coseKey()...)
	authData := a.authData(0x40, attested) // AT
	attObj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		panic(err)
	}
	return map[string]any{
		"type": "WebAuthn", "id": fzB64(a.credID), "rawId": fzB64(a.credID),
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    fzB64(fzClientData("webauthn.create", fzRegChallenge)),
			"attestationObject": fzB64(attObj), "authenticatorData": fzB64(authData),
			"transports": []string{"internal", "hybrid"}, "publicKeyAlgorithm": -7,
		},
		"clientExtensionResults": map[string]any{"credProps": map[string]any{"rk": true}},
	}
}

// assertion answers the fzWAAuth ceremony with alice's fixture credential,
// as navigator.credentials.get() and toJSON() would.
func (a *fzAuthenticator) assertion(counter uint32) map[string]any {
	a.counter = counter
	authData := a.authData(0, nil)
	cd := fzClientData("webauthn.get", fzAuthChallenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(bytes.Clone(authData), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.NewChaCha8([32]byte{}), a.key, digest[:])
	if err != nil {
		panic(err)
	}
	return map[string]any{
		"type": "WebAuthn", "id": fzB64(a.credID), "rawId": fzB64(a.credID),
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON": fzB64(cd), "authenticatorData": fzB64(authData), "signature": fzB64(sig),
			"userHandle": fzB64([]byte(fzAlice)),
		},
		"clientExtensionResults": map[string]any{},
	}
}

// fzMint returns an HS256 access token with claims over the defaults (iat
// now, exp in an hour).
func fzMint(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(fzSecret)}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	c := map[string]any{"iat": fzNow.Unix(), "exp": fzNow.Add(time.Hour).Unix()}
	for k, v := range claims {
		c[k] = v
	}
	tok, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		panic(err)
	}
	return tok
}

// fzUserScopes are the scopes every Account API route reads.
const fzUserScopes = "openid profile email phone address custom_data identities"

// The Authorization headers a fuzz input picks from (fzAuthorization).
const (
	fzAuthNone = iota
	fzAuthAlice
	fzAuthBob
	fzAuthCarol
	fzAuthAdmin
	fzAuthAliceNoOpenID
	fzAuthAliceExpired
	fzAuthNoone
	fzAuthAdminNoScope
	fzAuthDave
	fzAuthErin
	fzAuthFrank
	fzAuthBearerRaw // "Bearer " + the raw input
	fzAuthRaw       // the raw input as it is
	fzAuthCount
)

var fzTokens = sync.OnceValue(func() map[int]string {
	return map[int]string{
		fzAuthAlice:         fzMint(map[string]any{"sub": fzAlice, "scope": fzUserScopes, "client_id": "fz-app"}),
		fzAuthBob:           fzMint(map[string]any{"sub": fzBob, "scope": fzUserScopes}),
		fzAuthCarol:         fzMint(map[string]any{"sub": fzCarol, "scope": fzUserScopes}),
		fzAuthAdmin:         fzMint(map[string]any{"sub": "fz-admin", "scope": "all"}),
		fzAuthAliceNoOpenID: fzMint(map[string]any{"sub": fzAlice, "scope": "profile email"}),
		fzAuthAliceExpired:  fzMint(map[string]any{"sub": fzAlice, "scope": fzUserScopes, "exp": fzNow.Add(-time.Hour).Unix()}),
		fzAuthNoone:         fzMint(map[string]any{"sub": fzNoone, "scope": fzUserScopes}),
		fzAuthAdminNoScope:  fzMint(map[string]any{"sub": "fz-admin", "scope": "openid"}),
		fzAuthDave:          fzMint(map[string]any{"sub": fzDave, "scope": fzUserScopes}),
		fzAuthErin:          fzMint(map[string]any{"sub": fzErin, "scope": fzUserScopes}),
		fzAuthFrank:         fzMint(map[string]any{"sub": fzFrank, "scope": fzUserScopes}),
	}
})

// fzAuthorization returns the Authorization header for choice (modulo the
// choices) and raw, and the user the token names ("" for none).
func fzAuthorization(choice uint8, raw string) (header, user string) {
	switch c := int(choice) % fzAuthCount; c {
	case fzAuthNone:
		return "", ""
	case fzAuthBearerRaw:
		return "Bearer " + raw, ""
	case fzAuthRaw:
		return raw, ""
	default:
		user := map[int]string{
			fzAuthAlice: fzAlice, fzAuthBob: fzBob, fzAuthCarol: fzCarol,
			fzAuthDave: fzDave, fzAuthErin: fzErin, fzAuthFrank: fzFrank,
		}[c]
		return "Bearer " + fzTokens()[c], user
	}
}

// fzProof returns the logto-verification-id header for choice: none, the
// token user's password proof, alice's proof whoever asks, another fixture
// record, or raw.
func fzProof(choice uint8, user, raw string) string {
	switch choice % 5 {
	case 1:
		if user == fzBob {
			return fzProofBob
		}
		return fzProofAlice
	case 2:
		return fzProofAlice
	case 3:
		return fzCodeRecord
	case 4:
		return raw
	}
	return ""
}

// fzValidHeader reports whether net/http would let a header value with v
// through to a handler (no control characters but tab).
func fzValidHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// fzRequest is one request of a fuzz input.
type fzRequest struct {
	method string
	// target is the request target as on the request line: a path with an
	// optional query.
	target string
	header http.Header
	body   []byte
	// host is the Host the request names; "" means fzHost.
	host string
}

// fzResponse is what the server answered.
type fzResponse struct {
	status int
	header http.Header
	body   []byte
}

// do serves rq and checks the answer (fzCheck) and that a refused request
// changed no fixture. It reports false, checking nothing, for a request that
// net/http would not hand to a handler.
func (s *fzServer) do(t *testing.T, rq fzRequest) (fzResponse, bool) {
	t.Helper()
	u, err := url.ParseRequestURI(rq.target)
	if err != nil || strings.ContainsAny(rq.target, " \t\r\n") {
		return fzResponse{}, false
	}
	host := rq.host
	if host == "" {
		host = fzHost
	}
	if !httpguts.ValidHostHeader(host) {
		return fzResponse{}, false
	}
	for _, vs := range rq.header {
		for _, v := range vs {
			if !fzValidHeader(v) {
				return fzResponse{}, false
			}
		}
	}
	r := &http.Request{
		Method: rq.method, URL: u, RequestURI: rq.target,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rq.header, Host: host, RemoteAddr: "192.0.2.1:50000",
		Body: io.NopCloser(bytes.NewReader(rq.body)), ContentLength: int64(len(rq.body)),
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// Only the paths the handlers are mounted on reach the library; the
	// rest is the host mux's plain-text 404 or its redirect to a clean path.
	h, _ := s.mux.Handler(r)
	library := h == s.ah || h == s.mh
	s.log.Reset()
	w := httptest.NewRecorder()
	s.mux.ServeHTTP(w, r)
	resp := fzResponse{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	fzCheck(t, rq, resp, library)

	ctx := context.Background()
	after, err := s.fingerprint(ctx)
	if err != nil {
		t.Fatalf("%s %s: reading the store after the request: %v", rq.method, rq.target, err)
	}
	changed := after != s.pristineFP
	if changed {
		if where, err := s.storedNUL(ctx); err != nil {
			t.Fatalf("%s %s: searching the store for NUL: %v", rq.method, rq.target, err)
		} else if where != "" {
			t.Errorf("%s %s answered %d and stored a NUL character (%s), which PostgreSQL refuses: a 500 there\nrequest body: %q",
				rq.method, rq.target, resp.status, where, rq.body)
		}
	}
	if tables := s.dataChanges(after); len(tables) > 0 && resp.status >= 400 {
		diff := "(the fixture users, factors, tokens and settings are as they were)"
		if snap, err := s.snapshot(ctx); err == nil {
			if d := cmp.Diff(s.pristine, snap, fzCmpOpts); d != "" {
				diff = "(-before +after):\n" + d
			}
		}
		t.Errorf("%s %s answered %d but changed %s %s\nrequest body: %q\nresponse body: %s",
			rq.method, rq.target, resp.status, strings.Join(tables, ", "), diff, rq.body, resp.body)
	}
	if t.Failed() && s.log.Len() > 0 {
		t.Logf("handler log: %s", s.log.Bytes())
	}
	if changed || t.Failed() {
		// The next input starts from the fixtures again, so that every
		// input can be replayed alone.
		if err := s.reset(); err != nil {
			t.Fatal(err)
		}
	}
	return resp, true
}

// fzPublicDocs are the paths of the documents served without a token.
var fzPublicDocs = map[string]bool{"/api/openapi.json": true, "/.well-known/webauthn": true}

// fzCheck checks what every answer must be (docs/compatibility.md, "Bodies are
// capped and strictly decoded"): never a 5xx; a JSON error body with a code
// and a message for every 4xx the library wrote; well-formed JSON whenever the
// body claims to be JSON.
func fzCheck(t *testing.T, rq fzRequest, r fzResponse, library bool) {
	t.Helper()
	if r.status >= 500 {
		t.Errorf("%s %s answered %d\nrequest body: %q\nresponse body: %s", rq.method, rq.target, r.status, rq.body, r.body)
		return
	}
	if !library {
		return
	}
	// Every answer is no-store, but the public documents' successes,
	// which a browser or a proxy may cache.
	if r.header.Get("Cache-Control") != "no-store" && (r.status >= 400 || !fzPublicDocs[strings.SplitN(rq.target, "?", 2)[0]]) {
		t.Errorf("%s %s answered %d without Cache-Control: no-store", rq.method, rq.target, r.status)
	}
	ct := r.header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") && len(r.body) > 0 && !json.Valid(r.body) {
		t.Errorf("%s %s answered %d with malformed JSON: %q", rq.method, rq.target, r.status, r.body)
		return
	}
	if r.status < 400 {
		return
	}
	var e struct {
		Code    *string `json:"code"`
		Message *string `json:"message"`
	}
	if !strings.HasPrefix(ct, "application/json") || json.Unmarshal(r.body, &e) != nil ||
		e.Code == nil || *e.Code == "" || e.Message == nil || *e.Message == "" {
		t.Errorf("%s %s answered %d without a JSON error body (Content-Type %q): %q",
			rq.method, rq.target, r.status, ct, r.body)
	}
}

// fzUsers are the fixture users.
var fzUsers = []string{fzAlice, fzBob, fzCarol, fzDave, fzErin, fzFrank}

// fzSnapshot is what the store interfaces say of the fixtures: the users
// with their identities, their factors and tokens, and the settings. A
// failure shows how a refused request changed it.
type fzSnapshot struct {
	Users         map[string]*store.User
	Factors       map[string][]store.MFAFactor
	Tokens        map[string][]store.PersonalAccessToken
	AccountCenter *store.AccountCenter
	SignInExp     *store.SignInExperience
}

// fzCmpOpts compare snapshots: an empty collection equals a nil one (a
// backend may read either back).
var fzCmpOpts = cmp.Options{cmpopts.EquateEmpty()}

func (s *fzServer) snapshot(ctx context.Context) (fzSnapshot, error) {
	snap := fzSnapshot{
		Users:   map[string]*store.User{},
		Factors: map[string][]store.MFAFactor{},
		Tokens:  map[string][]store.PersonalAccessToken{},
	}
	for _, id := range fzUsers {
		u, err := s.st.GetUser(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return snap, err
		}
		snap.Users[id] = u
		if snap.Factors[id], err = s.st.ListMFAFactors(ctx, id); err != nil {
			return snap, err
		}
		if snap.Tokens[id], err = s.st.ListPersonalAccessTokens(ctx, id); err != nil {
			return snap, err
		}
	}
	var err error
	if snap.AccountCenter, err = s.st.GetAccountCenter(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return snap, err
	}
	if snap.SignInExp, err = s.st.GetSignInExperience(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return snap, err
	}
	return snap, nil
}

// fzDataTables hold what a refused request must not change: users and their
// identities, factors, backup codes and tokens, and the settings. The other
// tables (verification records and codes, rate-limit and lockout counters)
// may change on a refusal: a wrong code is counted.
var fzDataTables = map[string]bool{
	"accountapi_users": true, "accountapi_user_identities": true, "accountapi_mfa_factors": true,
	"accountapi_backup_codes": true, "accountapi_personal_access_tokens": true,
	"accountapi_account_center": true, "accountapi_sign_in_experience": true,
}

// fzFingerprint is every row of every table of the store, one string per
// table, in fzServer.fpTables order. Reading it is one query, far cheaper than
// the snapshot, and it sees a row added for anyone, not only the fixtures'.
type fzFingerprint [32]string

// fzFingerprintQuery returns the query of the fingerprint and the tables in
// its order: per table, the hex of each column of each row (NULL apart), so
// that nothing, not even a NUL character, hides a change.
func fzFingerprintQuery(ctx context.Context, st *sqlite.Store) (query string, tables []string, err error) {
	columns, err := fzColumns(ctx, st, "")
	if err != nil {
		return "", nil, err
	}
	var parts []string
	for _, table := range slices.Sorted(maps.Keys(columns)) {
		var row []string
		for _, c := range columns[table] {
			row = append(row, `CASE WHEN "`+c+`" IS NULL THEN 'N' ELSE 'V' || hex("`+c+`") END`)
		}
		parts = append(parts, `(SELECT count(*) || ':' || coalesce(group_concat(`+strings.Join(row, " || ',' || ")+`, ';'), '') FROM `+table+`)`)
		tables = append(tables, table)
	}
	if len(tables) == 0 || len(tables) > len(fzFingerprint{}) {
		return "", nil, fmt.Errorf("%d tables", len(tables))
	}
	return "SELECT " + strings.Join(parts, ", "), tables, nil
}

// fzColumns returns the columns of the store's tables, by table; typ, when
// not "", keeps only the columns of that type.
func fzColumns(ctx context.Context, st *sqlite.Store, typ string) (map[string][]string, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name LIKE 'accountapi%' AND (? = '' OR upper(p.type) = ?) ORDER BY m.name, p.cid`, typ, typ)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		out[table] = append(out[table], col)
	}
	return out, rows.Err()
}

func (s *fzServer) fingerprint(ctx context.Context) (fzFingerprint, error) {
	var fp fzFingerprint
	dst := make([]any, len(s.fpTables))
	for i := range dst {
		dst[i] = &fp[i]
	}
	err := s.st.DB().QueryRowContext(ctx, s.fpQuery).Scan(dst...)
	return fp, err
}

// dataChanges returns the data tables (fzDataTables) whose rows in after
// differ from the fixtures'.
func (s *fzServer) dataChanges(after fzFingerprint) []string {
	var out []string
	for i, table := range s.fpTables {
		if fzDataTables[table] && after[i] != s.pristineFP[i] {
			out = append(out, table)
		}
	}
	return out
}

// fzNULQuery returns a query for the stored text that may hold a NUL
// character: raw, or as the \u0000 escape of JSON text. PostgreSQL refuses
// both (text cannot hold NUL, jsonb refuses the escape), so a request that
// stores one answers 500 there, though SQLite takes it.
func fzNULQuery(ctx context.Context, st *sqlite.Store) (string, error) {
	columns, err := fzColumns(ctx, st, "TEXT")
	if err != nil {
		return "", err
	}
	var parts []string
	for _, table := range slices.Sorted(maps.Keys(columns)) {
		for _, col := range columns[table] {
			c := `"` + col + `"`
			parts = append(parts, `SELECT '`+table+`.`+col+`', `+c+` FROM `+table+
				` WHERE instr(CAST(`+c+` AS BLOB), X'00') > 0 OR `+c+` LIKE '%\u0000%'`)
		}
	}
	if len(parts) == 0 {
		return "", errors.New("no text columns found")
	}
	return strings.Join(parts, " UNION ALL "), nil
}

// storedNUL returns the column of a stored NUL character, or "".
func (s *fzServer) storedNUL(ctx context.Context) (string, error) {
	rows, err := s.st.DB().QueryContext(ctx, s.nulQuery)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var where string
		var v []byte
		if err := rows.Scan(&where, &v); err != nil {
			return "", err
		}
		if bytes.IndexByte(v, 0) >= 0 {
			return where, nil
		}
		// The text of \u0000 is harmless unless JSON decodes it to NUL.
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var doc any
		if dec.Decode(&doc) == nil && fzHasNUL(doc) {
			return where, nil
		}
	}
	return "", rows.Err()
}

// fzHasNUL reports whether a decoded JSON value holds a NUL in a string or a
// member name.
func fzHasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if fzHasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || fzHasNUL(e) {
				return true
			}
		}
	}
	return false
}
