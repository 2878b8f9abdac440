package account_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/store"
)

// fzPatch has an Optional member of every kind the routes use.
type fzPatch struct {
	Name    account.Optional[*string]                   `json:"name"`
	Enabled account.Optional[bool]                      `json:"enabled"`
	Data    account.Optional[map[string]any]            `json:"customData"`
	Origins account.Optional[[]string]                  `json:"origins"`
	Fields  account.Optional[store.AccountCenterFields] `json:"fields"`
	Policy  account.Optional[store.PasswordPolicy]      `json:"passwordPolicy"`
}

// FuzzOptional decodes arbitrary JSON into Optional members, as the PATCH
// routes do. It must never panic, and for every member of an object that
// decodes with each member once: Set exactly when the member is present,
// Null exactly when it is null, and a null leaves the zero value. (With a
// member repeated, in any letter case, encoding/json decodes each occurrence
// in turn into the same Optional; only the absence of a panic is checked.)
func FuzzOptional(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"name":null}`, `{"name":"x","enabled":true}`, `{"enabled":null}`, `{"enabled":"true"}`,
		`{"customData":{"a":[1,null]}}`, `{"customData":null}`, `{"origins":["a",null]}`, `{"origins":null}`,
		`{"fields":{"name":"Edit"}}`, `{"fields":null}`, `{"passwordPolicy":{"length":{"min":8}}}`,
		`{"name":"a","name":null}`, `{"name": null }`, `{"name":1}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p fzPatch
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(data, &members) != nil || members == nil || fzRepeats(data) {
			return
		}
		check := func(name string, set, null, zero bool) {
			// encoding/json matches a member name in any letter case.
			var raw json.RawMessage
			present := false
			for k, v := range members {
				if strings.EqualFold(k, name) {
					raw, present = v, true
				}
			}
			isNull := present && bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
			if set != present {
				t.Fatalf("%q: %s Set = %v", data, name, set)
			}
			if present && null != isNull {
				t.Fatalf("%q: %s Null = %v", data, name, null)
			}
			if null && !zero {
				t.Fatalf("%q: %s is null but holds a value", data, name)
			}
		}
		check("name", p.Name.Set, p.Name.Null, p.Name.Value == nil)
		check("enabled", p.Enabled.Set, p.Enabled.Null, !p.Enabled.Value)
		check("customData", p.Data.Set, p.Data.Null, p.Data.Value == nil)
		check("origins", p.Origins.Set, p.Origins.Null, p.Origins.Value == nil)
		check("fields", p.Fields.Set, p.Fields.Null, p.Fields.Value == store.AccountCenterFields{})
		check("passwordPolicy", p.Policy.Set, p.Policy.Null, p.Policy.Value.Length.Min == 0 && p.Policy.Value.Rejects.Words == nil)
	})
}

// fzRepeats reports whether the JSON object data has a member twice, in
// any letter case.
func fzRepeats(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		k := strings.ToLower(tok.(string))
		if seen[k] {
			return true
		}
		seen[k] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}
