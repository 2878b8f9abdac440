package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

func ptr[T any](v T) *T { return &v }

func TestMessageJSON(t *testing.T) {
	user := &notify.User{
		ID: "u1", Username: "ada", PrimaryEmail: "ada@example.com", PrimaryPhone: "15550100",
		Name: "Ada", Avatar: "https://example.com/a.png", Profile: &store.Profile{GivenName: ptr("Ada")},
	}
	app := &notify.Application{ID: "app1", Name: "Demo"}
	tests := []struct {
		name string
		m    notify.Message
		want string
		// back is what decoding want gives.
		back notify.Message
	}{
		{
			name: "email with context",
			m:    notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Locale: "fr", Code: "123456", User: user, Application: app},
			want: `{"channel":"email","to":"ada@example.com","type":"UserPermissionValidation","payload":{"code":"123456","locale":"fr","user":{"id":"u1","username":"ada","primaryEmail":"ada@example.com","primaryPhone":"15550100","name":"Ada","avatar":"https://example.com/a.png","profile":{"givenName":"Ada"}},"application":{"id":"app1","name":"Demo"}}}`,
			back: notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Locale: "fr", Code: "123456", User: user, Application: app},
		},
		{
			name: "email without context, empty locale is en",
			m:    notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateBindNewIdentifier, Code: "000001"},
			want: `{"channel":"email","to":"ada@example.com","type":"BindNewIdentifier","payload":{"code":"000001","locale":"en"}}`,
			back: notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateBindNewIdentifier, Locale: "en", Code: "000001"},
		},
		{
			name: "sms drops the email context",
			m:    notify.Message{Channel: notify.ChannelSMS, To: "+1 555 0100", Type: store.TemplateBindMFA, Locale: "pt-BR", Code: "42", User: user, Application: app},
			want: `{"channel":"sms","to":"+1 555 0100","type":"BindMfa","payload":{"code":"42","locale":"pt-BR"}}`,
			back: notify.Message{Channel: notify.ChannelSMS, To: "+1 555 0100", Type: store.TemplateBindMFA, Locale: "pt-BR", Code: "42"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("json =\n%s\nwant\n%s", got, tt.want)
			}
			var back notify.Message
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.back, back); diff != "" {
				t.Errorf("decoded message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageUnmarshalIgnoresUnknownMembers(t *testing.T) {
	var m notify.Message
	err := json.Unmarshal([]byte(`{"channel":"sms","to":"1","type":"SignIn","extra":1,"payload":{"code":"9","locale":"de","uiLocales":"de fr"}}`), &m)
	if err != nil {
		t.Fatal(err)
	}
	want := notify.Message{Channel: notify.ChannelSMS, To: "1", Type: store.TemplateSignIn, Locale: "de", Code: "9"}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMessagePrintingAndLoggingOmitTheCode(t *testing.T) {
	const code = "918273"
	m := notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateSignIn, Code: code, User: &notify.User{ID: "u1"}}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("sending", "message", m)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("sending", "message", m)
	out := fmt.Sprintf("%v %+v %#v %s", m, m, m, m) + fmt.Sprint(m) + logs.String()
	if strings.Contains(out, code) {
		t.Errorf("the code leaked:\n%s", out)
	}
	if strings.Contains(out, "ada@example.com") {
		t.Errorf("the recipient is not masked:\n%s", out)
	}
	if !strings.Contains(logs.String(), `"to":"a***@example.com"`) || !strings.Contains(logs.String(), `"user_id":"u1"`) {
		t.Errorf("log lacks the masked recipient or the user id:\n%s", logs.String())
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"jane.doe@example.com", "j***@example.com"},
		{"élodie@example.fr", "é***@example.fr"},
		{"@example.com", "***@example.com"},
		{"+1 555 0100 1234", "***34"},
		{"8613800138000", "***00"},
		{"12345", "***"},
	}
	for _, tt := range tests {
		if got := notify.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
