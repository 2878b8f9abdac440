package account

import (
	"bytes"
	"encoding/json"
)

// Optional is a member of a partial update that may be absent, null or a
// value: Set reports whether the request had the member at all, Null whether
// it was null. It decodes from JSON so request structs can use it directly:
//
//	var p struct{ Name account.Optional[*string] `json:"name"` }
//	json.Unmarshal([]byte(`{"name":null}`), &p) // p.Name.Set, p.Name.Null, p.Name.Value == nil
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Some returns an Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// UnmarshalJSON records that the member was present and decodes it.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	o.Null = bytes.Equal(bytes.TrimSpace(b), []byte("null"))
	return json.Unmarshal(b, &o.Value)
}
