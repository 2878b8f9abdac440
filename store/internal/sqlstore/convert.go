package sqlstore

import (
	"encoding/json"
	"time"
)

// Times are stored as Unix milliseconds (bigint): one representation for
// both engines, compared and indexed as integers.

// millis returns t as Unix milliseconds.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis returns the UTC time of Unix milliseconds ms.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nullMillis returns t as Unix milliseconds, or nil (NULL) for the zero time.
func nullMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// fromNullMillis returns the UTC time of ms, or the zero time for nil.
func fromNullMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return fromMillis(*ms)
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// toJSON returns v as JSON text.
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// fromJSON decodes the JSON text s into v.
// The empty object, which most users' profile and settings are, is the zero
// value the callers decode into, and is not decoded.
func fromJSON(s string, v any) error {
	if isEmptyObject(s) {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// objectJSON returns the JSON object m, "{}" for a nil map.
func objectJSON(m map[string]any) (string, error) {
	if m == nil {
		return "{}", nil
	}
	return toJSON(m)
}

// nullObjectJSON returns the JSON object m, or nil (NULL) for a nil map.
func nullObjectJSON(m map[string]any) (*string, error) {
	if m == nil {
		return nil, nil
	}
	s, err := toJSON(m)
	return &s, err
}

// fromObjectJSON decodes a JSON object; an empty object or null gives nil,
// as "nil means {}" where the records use maps.
func fromObjectJSON(s string) (map[string]any, error) {
	var m map[string]any
	if err := fromJSON(s, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// fromNullObjectJSON decodes a nullable JSON object: NULL gives nil, {} an
// empty map (the records tell an absent object from an empty one).
func fromNullObjectJSON(s *string) (map[string]any, error) {
	if s == nil {
		return nil, nil
	}
	m := map[string]any{}
	if err := fromJSON(*s, &m); err != nil {
		return nil, err
	}
	if m == nil {
		// The JSON text was null.
		return nil, nil
	}
	return m, nil
}

// nilIfEmpty returns nil for an empty byte slice, as NULL and an empty blob
// read back alike.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
