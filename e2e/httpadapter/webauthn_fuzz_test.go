package httpadapter_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// fzWAPayloads are payload seeds derived from a correct one by setting the
// member at a dotted path (fzDelete removes it).
func fzWAPayloads(good map[string]any, edits []fzEdit) [][]byte {
	out := [][]byte{fzJSON(good)}
	for _, e := range edits {
		out = append(out, fzJSON(fzSet(fzClone(good), e.path, e.value)))
	}
	return out
}

type fzEdit struct {
	path  string
	value any
}

// fzDelete as an fzEdit value removes the member.
var fzDelete = &struct{}{}

func fzJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func fzClone(m map[string]any) map[string]any {
	var out map[string]any
	if err := json.Unmarshal(fzJSON(m), &out); err != nil {
		panic(err)
	}
	return out
}

func fzSet(m map[string]any, path string, v any) map[string]any {
	names := strings.Split(path, ".")
	cur := m
	for _, n := range names[:len(names)-1] {
		next, ok := cur[n].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[n] = next
		}
		cur = next
	}
	if v == fzDelete {
		delete(cur, names[len(names)-1])
	} else {
		cur[names[len(names)-1]] = v
	}
	return m
}

func fzB64String(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// fzWAVerify sends payload, as it is, as the payload of the ceremony
// recordID's verify route, from the browser origin the ceremony expects.
func fzWAVerify(t *testing.T, s *fzServer, path, recordID string, payload []byte) {
	var body bytes.Buffer
	body.WriteString(`{"verificationRecordId":"` + recordID + `","payload":`)
	body.Write(payload)
	body.WriteString(`}`)
	rq := fzRequest{method: "POST", target: path, body: body.Bytes(), header: http.Header{
		"Authorization": {"Bearer " + fzTokens()[fzAuthAlice]},
		"Content-Type":  {"application/json"},
		"Origin":        {fzOrigin},
		"User-Agent":    {"FuzzBrowser/1.0"},
	}}
	s.do(t, rq)
}

// FuzzWebAuthnRegistration sends arbitrary payloads to
// POST /api/verifications/web-authn/registration/verify for alice's open
// registration ceremony (fzWAReg, whose challenge is fixed): Logto's shape
// guard, then go-webauthn's parsing of the client data, the CBOR attestation
// object and the COSE key. The seeds include a correct registration, which
// the route accepts, so the fuzzer mutates inputs that pass the challenge and
// origin checks.
func FuzzWebAuthnRegistration(f *testing.F) {
	s := fzNewServer(f)
	good := fzNewAuthenticator().registration()
	for _, p := range fzWAPayloads(good, []fzEdit{
		{"type", "public-key"},
		{"id", fzDelete},
		{"rawId", 7},
		{"authenticatorAttachment", "usb"},
		{"clientExtensionResults", fzDelete},
		{"clientExtensionResults.crepProps", map[string]any{"rk": "yes"}},
		{"response.clientDataJSON", fzB64String(`{"type":"webauthn.create","challenge":"AAAA","origin":"` + fzOrigin + `"}`)},
		{"response.clientDataJSON", fzB64String(`{"type":"webauthn.get","challenge":"` + fzRegChallenge + `","origin":"` + fzOrigin + `"}`)},
		{"response.clientDataJSON", fzB64String(`{"type":"webauthn.create","challenge":"` + fzRegChallenge + `","origin":"https://evil.example"}`)},
		{"response.clientDataJSON", "!!!"},
		{"response.attestationObject", fzB64String("\xa3cfmtdnone")},
		{"response.attestationObject", ""},
		{"response.transports", []any{"usb", 1}},
		{"response.publicKeyAlgorithm", 1.5},
	}) {
		f.Add(p)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		fzWAVerify(t, s, "/api/verifications/web-authn/registration/verify", fzWAReg, payload)
	})
}

// FuzzWebAuthnAuthentication sends arbitrary payloads to
// POST /api/verifications/web-authn/authentication/verify for alice's open
// step-up ceremony (fzWAAuth): the shape guard, the allow list, the
// authenticator data, the signature and the sign count. The seeds include a
// correct assertion (counter 2, above the stored 1) and a replayed counter,
// which spends the challenge and is reported.
func FuzzWebAuthnAuthentication(f *testing.F) {
	s := fzNewServer(f)
	a := fzNewAuthenticator()
	good := a.assertion(2)
	for _, p := range fzWAPayloads(good, []fzEdit{
		{"type", "WebAuthn "},
		{"rawId", fzB64String("another credential")},
		{"response.signature", fzB64String("not a signature")},
		{"response.authenticatorData", fzB64String("short")},
		{"response.userHandle", fzB64String("someone else")},
		{"response.userHandle", fzDelete},
		{"response.clientDataJSON", fzB64String(`{"type":"webauthn.get","challenge":"` + fzAuthChallenge + `","origin":"` + fzOrigin + `","crossOrigin":true}`)},
		{"clientExtensionResults", map[string]any{"appid": 1}},
	}) {
		f.Add(p)
	}
	f.Add(fzJSON(a.assertion(1)))
	f.Add(fzJSON(a.assertion(0)))
	f.Fuzz(func(t *testing.T, payload []byte) {
		fzWAVerify(t, s, "/api/verifications/web-authn/authentication/verify", fzWAAuth, payload)
	})
}
