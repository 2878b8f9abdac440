package httpadapter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/accountapi/accountapi/apierror"
)

// DefaultMaxBodyBytes caps request bodies unless a Config says otherwise; it
// is the JSON limit of Logto's body parser.
const DefaultMaxBodyBytes = 1 << 20

// errorBody is the JSON body of every error: Logto's {code, message, data?,
// details?}.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
	Details string `json:"details,omitempty"`
}

// responder writes responses and errors the same way for every handler.
type responder struct {
	log *slog.Logger
	// messages translates error messages; nil means
	// apierror.DefaultLocalizer() (English and the built-in languages).
	messages *apierror.Localizer
}

// error writes err as JSON with its status. Anything that is not an
// *apierror.Error becomes a 500 whose body says nothing about it; the cause
// goes to the log, which never receives request bodies or tokens.
//
// The message is in the language the request's Accept-Language picks among
// the localizer's (see apierror.Localizer.Match), English otherwise; the
// code, status, data and details are the same in every language. The
// response says which language it is in (Content-Language) and that it
// depends on Accept-Language (Vary).
func (rs responder) error(w http.ResponseWriter, r *http.Request, err error) {
	e := apierror.From(err)
	if e.Status() >= 500 {
		rs.log.LogAttrs(r.Context(), slog.LevelError, "accountapi request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("code", e.Code()), slog.String("error", e.Error()))
	}
	messages := rs.messages
	if messages == nil {
		messages = apierror.DefaultLocalizer()
	}
	msg, lang := messages.Message(e, r.Header.Get("Accept-Language"))
	h := w.Header()
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Language", lang)
	body := errorBody{Code: e.Code(), Message: msg, Data: e.Data(), Details: e.Details()}
	rs.json(w, e.Status(), body)
}

// json writes v as the JSON body with status.
func (rs responder) json(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		rs.log.Error("accountapi: encoding a response", slog.String("error", err.Error()))
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal_server_error","message":"Internal server error."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// noContent answers 204.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// decoder reads request bodies: capped, one JSON object, strictly typed.
type decoder struct {
	max int64
}

// bodyRules says which top-level members of a body may be null and which
// must be present.
type bodyRules struct {
	nullable, required []string
}

// bodyRule adds to a route's bodyRules.
type bodyRule func(*bodyRules)

// nullable lets the members be null (by default no member may be).
func nullable(names ...string) bodyRule {
	return func(r *bodyRules) { r.nullable = append(r.nullable, names...) }
}

// required makes the members mandatory, as Logto's guards do; a missing
// member is refused before any route check, while an empty string reaches
// the route's own checks.
func required(names ...string) bodyRule {
	return func(r *bodyRules) { r.required = append(r.required, names...) }
}

// decode reads the request's JSON object into dst. An empty body is {}, as in
// Logto. The body must be one JSON object within the size cap with members of
// the right types; unknown members are ignored, as Logto's guards strip them.
// Top-level members may not be null unless a nullable rule lists them, and
// must be present when a required rule lists them.
func (d decoder) decode(w http.ResponseWriter, r *http.Request, dst any, rules ...bodyRule) error {
	var rs bodyRules
	for _, rule := range rules {
		rule(&rs)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.max))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apierror.PayloadTooLarge
		}
		return invalidBody("unreadable body")
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if data[0] != '{' {
		return invalidBody("expected a JSON object")
	}
	// No store keeps NUL characters (PostgreSQL refuses them), so a body that
	// would decode to one is refused here rather than failing as a 500. The
	// text \u0000 alone is not enough: after an escaped backslash it is
	// ordinary text, so the candidates are decoded to be sure.
	if bytes.Contains(data, []byte(`\u0000`)) && hasNUL(data) {
		return invalidBody("strings must not contain NUL characters")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return invalidBody(describeJSONError(err))
	}
	for _, name := range rs.required {
		if _, ok := members[name]; !ok {
			return invalidBody(name + ": required")
		}
	}
	for name, raw := range members {
		if string(raw) == "null" && !contains(rs.nullable, name) {
			return invalidBody(name + ": must not be null")
		}
	}
	if inexact := inexactMembers(members, dst); len(inexact) > 0 {
		// encoding/json would match "Password" to the password member;
		// Logto's guards strip it as unknown, and so do we.
		for _, name := range inexact {
			delete(members, name)
		}
		if data, err = json.Marshal(members); err != nil {
			return invalidBody("unreadable body")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return invalidBody(describeJSONError(err))
	}
	return nil
}

// memberNames caches, by struct type, the JSON member names of its fields.
var memberNames sync.Map // reflect.Type → map[string]bool

// inexactMembers returns the members of a body that encoding/json would
// decode into a field of dst (a pointer to a struct) although their names
// match the field's only when case is ignored.
func inexactMembers(members map[string]json.RawMessage, dst any) []string {
	t := reflect.TypeOf(dst)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	v, ok := memberNames.Load(t)
	if !ok {
		names := map[string]bool{}
		addMemberNames(names, t)
		v, _ = memberNames.LoadOrStore(t, names)
	}
	names := v.(map[string]bool)
	var out []string
	for m := range members {
		if names[m] {
			continue
		}
		for name := range names {
			if strings.EqualFold(m, name) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// addMemberNames adds the JSON member names of the struct type t's fields to
// names, with those of its embedded structs.
func addMemberNames(names map[string]bool, t reflect.Type) {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
			addMemberNames(names, f.Type)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
}

// hasNUL reports whether the JSON text data decodes to a string or a member
// name with a NUL character. Malformed JSON reports false; decoding it
// reports the error. Numbers are kept as text: a number too large for a
// float64 (1e400) is valid JSON that a route ignores, and must not stop the
// search (FuzzDecode found that it did).
func hasNUL(data []byte) bool {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.ContainsRune(v, 0)
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range v {
				if strings.ContainsRune(k, 0) || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// describeJSONError says what is wrong with a body without echoing it.
func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return field + ": expected " + jsonTypeName(typeErr.Type.Kind().String()) + ", got " + typeErr.Value
	case errors.As(err, &syntaxErr):
		return "malformed JSON"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON"
	}
	msg := err.Error()
	// Errors from Optional and other decoders name the member; keep it short.
	if i := strings.LastIndex(msg, "json: "); i >= 0 {
		msg = msg[i+len("json: "):]
	}
	return msg
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	case "ptr", "interface":
		return "value"
	}
	return "number"
}

func invalidBody(details string) *apierror.Error {
	return apierror.InvalidInput.WithParam("type", "body").WithDetails(details)
}

// isoTime formats t as JavaScript's Date.prototype.toISOString does.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
