package apierror

import (
	"errors"
	"maps"
	"strings"
)

// Error is the one error type the use cases return to the HTTP adapter. It
// carries Logto's stable code (e.g. "verification_record.not_found"), the HTTP
// status the contract pairs with it, a safe English message and, optionally,
// a wrapped cause that is never serialised.
//
// Values in the catalogue (codes.go) are shared and must not be modified; every
// With… method returns a copy. errors.Is compares codes, so an error survives
// decoration:
//
//	err := apierror.Unauthorized.WithStatus(401).WithCause(store.ErrNotFound)
//	errors.Is(err, apierror.Unauthorized) // true
type Error struct {
	code    string
	status  int
	message string            // English template; {{name}} placeholders
	params  map[string]string // interpolation values for message
	data    any
	details string
	cause   error
}

// New returns an error with the given code, HTTP status and English message.
// The message may hold {{name}} placeholders filled by WithParam. It is for the
// catalogue; use cases decorate catalogue entries instead of calling New.
func New(code string, status int, message string) *Error {
	return &Error{code: code, status: status, message: message}
}

// Code is the stable machine-readable code, e.g. "user.email_already_in_use".
func (e *Error) Code() string { return e.code }

// Status is the HTTP status the response carries.
func (e *Error) Status() int { return e.status }

// Template is the English message with its {{name}} placeholders unfilled.
// Translations (see [Localizer]) are keyed by Code and filled with Params.
func (e *Error) Template() string { return e.message }

// Params returns a copy of the interpolation values.
func (e *Error) Params() map[string]string { return maps.Clone(e.params) }

// Message is the English message with its placeholders filled. It never holds
// secrets: codes, passwords and tokens are not interpolated into messages.
func (e *Error) Message() string { return Interpolate(e.message, e.params) }

// Data is the optional structured payload of the response's "data" member,
// e.g. the list of password-policy violations of password.rejected.
func (e *Error) Data() any { return e.data }

// Details is the optional human-readable "details" member, e.g. which field of
// a request body failed to decode.
func (e *Error) Details() string { return e.details }

// Error implements error. It includes the cause, so it is for logs, never for
// response bodies.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.code)
	b.WriteString(": ")
	b.WriteString(e.Message())
	if e.details != "" {
		b.WriteString(" (")
		b.WriteString(e.details)
		b.WriteString(")")
	}
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error with the same code, so that
//
//	errors.Is(err, apierror.RecordNotFound)
//
// holds for every decoration of RecordNotFound, whatever its status or cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.code == e.code
}

func (e *Error) clone() *Error {
	c := *e
	c.params = maps.Clone(e.params)
	return &c
}

// WithStatus returns a copy with another HTTP status. Logto answers some codes
// with different statuses on different routes (auth.unauthorized is 400 on
// some, 401 on others); the use cases pick the route's status with this.
func (e *Error) WithStatus(status int) *Error {
	c := e.clone()
	c.status = status
	return c
}

// WithCause returns a copy that wraps cause. The cause shows in Error() and in
// errors.Is/As chains but never in a response body.
func (e *Error) WithCause(cause error) *Error {
	c := e.clone()
	c.cause = cause
	return c
}

// WithData returns a copy whose response carries data in its "data" member.
func (e *Error) WithData(data any) *Error {
	c := e.clone()
	c.data = data
	return c
}

// WithDetails returns a copy whose response carries details.
func (e *Error) WithDetails(details string) *Error {
	c := e.clone()
	c.details = details
	return c
}

// WithParam returns a copy with the placeholder {{name}} set to value.
func (e *Error) WithParam(name, value string) *Error {
	c := e.clone()
	if c.params == nil {
		c.params = make(map[string]string, 1)
	}
	c.params[name] = value
	return c
}

// From returns err as an *Error: err itself when it is one (or wraps one), and
// otherwise Internal wrapping err, so that an unexpected failure becomes a 500
// whose body says nothing about its cause.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal.WithCause(err)
}

// Interpolate fills the {{name}} placeholders of template from params. Unknown
// placeholders are left as they are.
func Interpolate(template string, params map[string]string) string {
	if len(params) == 0 || !strings.Contains(template, "{{") {
		return template
	}
	var b strings.Builder
	for {
		i := strings.Index(template, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(template[i:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(template[i+2 : i+j])
		b.WriteString(template[:i])
		if v, ok := params[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(template[i : i+j+2])
		}
		template = template[i+j+2:]
	}
	b.WriteString(template)
	return b.String()
}
