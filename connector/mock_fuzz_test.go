package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzMockUserInfo gives Mock.UserInfo arbitrary callback data, decoded as
// the route decodes connectorData (numbers as json.Number). It must never
// panic; a refusal wraps ErrInvalidResponse; an accepted callback names the
// user by its non-empty string userId, with email and name as sent.
func FuzzMockUserInfo(f *testing.F) {
	for _, s := range []string{
		`{"userId":"u1"}`, `{"userId":"u1","email":"a@b.c","name":"A"}`, `{"userId":""}`, `{"userId":7}`,
		`{"userId":"u","email":null}`, `{"userId":"u","name":["x"]}`, `{}`, `{"userId":{"nested":true}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var data map[string]any
		if dec.Decode(&data) != nil {
			return
		}
		info, err := Mock{}.UserInfo(context.Background(), data, nil)
		if err != nil {
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("UserInfo(%s) = %v, not ErrInvalidResponse", raw, err)
			}
			return
		}
		if id, _ := data["userId"].(string); id == "" || info.ID != id {
			t.Fatalf("UserInfo(%s) = user %q", raw, info.ID)
		}
		for key, got := range map[string]string{"email": info.Email, "name": info.Name} {
			if want, _ := data[key].(string); got != want {
				t.Fatalf("UserInfo(%s): %s = %q, want %q", raw, key, got, want)
			}
		}
	})
}
