package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

func TestSlogLogsWithoutTheCode(t *testing.T) {
	tests := []struct {
		name string
		m    notify.Message
		want map[string]any
	}{
		{
			name: "email",
			m: notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Code: "739184",
				User: &notify.User{ID: "u1"}, Application: &notify.Application{ID: "app1"}},
			want: map[string]any{"channel": "email", "to": "a***@example.com", "type": "UserPermissionValidation", "locale": "en", "user_id": "u1", "application_id": "app1"},
		},
		{
			name: "sms",
			m:    notify.Message{Channel: notify.ChannelSMS, To: "+33 6 12 34 56 78", Type: store.TemplateBindNewIdentifier, Locale: "fr", Code: "550123", User: &notify.User{ID: "u1"}},
			want: map[string]any{"channel": "sms", "to": "***78", "type": "BindNewIdentifier", "locale": "fr"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			n := notify.NewSlog(notify.SlogConfig{Logger: slog.New(slog.NewJSONHandler(&out, nil)), Level: slog.LevelWarn})
			if err := n.Notify(context.Background(), tt.m); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			if strings.Contains(out.String(), tt.m.Code) {
				t.Fatalf("the code is in the log:\n%s", out.String())
			}
			if strings.Contains(out.String(), tt.m.To) {
				t.Errorf("the recipient is in the log unmasked:\n%s", out.String())
			}
			var rec struct {
				Level   string         `json:"level"`
				Message map[string]any `json:"message"`
			}
			if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
				t.Fatalf("log line %q: %v", out.String(), err)
			}
			if rec.Level != "WARN" {
				t.Errorf("level = %s, want WARN", rec.Level)
			}
			if diff := cmp.Diff(tt.want, rec.Message); diff != "" {
				t.Errorf("logged message (-want +got):\n%s", diff)
			}
		})
	}
}
