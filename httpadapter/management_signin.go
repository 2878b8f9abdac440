package httpadapter

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
)

// signInExpRoutes serves the parts of Logto's sign-in experience the library
// enforces (account.Policies): GET /api/sign-in-exp answers the effective
// policies, PATCH /api/sign-in-exp replaces some of them. Logto's other
// sign-in-experience members (branding, sign-up and sign-in methods, …) are
// not served: a PATCH that sends them has them ignored, as unknown members
// are everywhere.
func (h *ManagementHandler) signInExpRoutes() {
	h.handle("GET /api/sign-in-exp", h.getSignInExp)
	h.handle("PATCH /api/sign-in-exp", h.patchSignInExp)
}

// getSignInExp answers 200 with the effective policies in Logto's shape:
// passwordPolicy, usernamePolicy, emailBlocklistPolicy, mfa, passkeySignIn,
// sentinelPolicy and verificationCodePolicy, every default spelled out.
func (h *ManagementHandler) getSignInExp(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	p, err := h.settings.Policies(r.Context())
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, p.SignInExperience())
	return nil
}

// patchSignInExp applies PATCH /api/sign-in-exp: every policy the body sends
// replaces the stored one wholesale, as in Logto; null or absent leaves it.
// A sent policy's missing members get Logto's defaults, as Logto's guards
// fill them in, except where Logto requires them (every member of
// usernamePolicy, mfa.factors and mfa.policy). It answers 200 with the new
// effective policies, or 400 guard.invalid_input naming the member that is
// malformed or out of range.
func (h *ManagementHandler) patchSignInExp(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var members map[string]json.RawMessage
	if err := h.dec.decode(w, r, &members, nullable(
		"passwordPolicy", "usernamePolicy", "emailBlocklistPolicy", "mfa", "passkeySignIn",
		"sentinelPolicy", "verificationCodePolicy",
	)); err != nil {
		return err
	}
	def := account.DefaultSignInExperience()
	var p account.SignInExperiencePatch
	var err error
	if p.PasswordPolicy, err = decodePolicy(members, "passwordPolicy", *def.PasswordPolicy); err != nil {
		return err
	}
	if p.UsernamePolicy, err = decodePolicy(members, "usernamePolicy", *def.UsernamePolicy,
		"caseSensitive", "minLength", "maxLength", "allowedChars",
		"allowedChars.lowercase", "allowedChars.uppercase", "allowedChars.numbers", "allowedChars.underscore",
	); err != nil {
		return err
	}
	if p.EmailBlocklistPolicy, err = decodePolicy(members, "emailBlocklistPolicy", *def.EmailBlocklistPolicy); err != nil {
		return err
	}
	if p.MFA, err = decodePolicy(members, "mfa", *def.MFA, "factors", "policy"); err != nil {
		return err
	}
	if p.PasskeySignIn, err = decodePolicy(members, "passkeySignIn", *def.PasskeySignIn); err != nil {
		return err
	}
	if p.SentinelPolicy, err = decodePolicy(members, "sentinelPolicy", *def.SentinelPolicy); err != nil {
		return err
	}
	if p.VerificationCodePolicy, err = decodePolicy(members, "verificationCodePolicy", *def.VerificationCodePolicy); err != nil {
		return err
	}
	pol, err := h.settings.UpdateSignInExperience(r.Context(), p)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, pol.SignInExperience())
	return nil
}

// decodePolicy reads the member name of a PATCH /api/sign-in-exp body: unset
// when absent, Null when null, else an object decoded over def (Logto's
// default of the policy), which must have every member of required (dotted
// paths) and no null anywhere.
func decodePolicy[T any](members map[string]json.RawMessage, name string, def T, required ...string) (account.Optional[T], error) {
	raw, ok := members[name]
	switch {
	case !ok:
		return account.Optional[T]{}, nil
	case string(raw) == "null":
		return account.Optional[T]{Set: true, Null: true}, nil
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return account.Optional[T]{}, invalidBody(name + ": malformed JSON")
	}
	obj, isObject := tree.(map[string]any)
	if !isObject {
		return account.Optional[T]{}, invalidBody(name + ": expected object")
	}
	if path := nullPath(obj); path != "" {
		return account.Optional[T]{}, invalidBody(name + "." + path + ": must not be null")
	}
	for _, path := range required {
		if !hasPath(obj, path) {
			return account.Optional[T]{}, invalidBody(name + "." + path + ": required")
		}
	}
	v := def
	if err := json.Unmarshal(raw, &v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := name
			if typeErr.Field != "" {
				field += "." + typeErr.Field
			}
			return account.Optional[T]{}, invalidBody(field + ": expected " + kindName(typeErr.Type) + ", got " + typeErr.Value)
		}
		return account.Optional[T]{}, invalidBody(name + ": " + describeJSONError(err))
	}
	return account.Some(v), nil
}

// nullPath returns the dotted path of the first null (in sorted member
// order) inside v, or "".
func nullPath(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v[k] == nil {
				return k
			}
			if p := nullPath(v[k]); p != "" {
				if strings.HasPrefix(p, "[") {
					return k + p
				}
				return k + "." + p
			}
		}
	case []any:
		for i, e := range v {
			at := "[" + strconv.Itoa(i) + "]"
			if e == nil {
				return at
			}
			if p := nullPath(e); p != "" {
				if strings.HasPrefix(p, "[") {
					return at + p
				}
				return at + "." + p
			}
		}
	}
	return ""
}

// hasPath reports whether obj has the dotted member path.
func hasPath(obj map[string]any, path string) bool {
	head, rest, nested := strings.Cut(path, ".")
	v, ok := obj[head]
	if !ok || !nested {
		return ok
	}
	inner, ok := v.(map[string]any)
	return ok && hasPath(inner, rest)
}

// kindName names the JSON type a Go type decodes from.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	}
	return jsonTypeName(t.Kind().String())
}
