package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

func newOutbox(t *testing.T) (*notify.Outbox, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o, err := notify.NewOutbox(notify.OutboxConfig{Path: path})
	if err != nil {
		t.Fatalf("NewOutbox: %v", err)
	}
	return o, path
}

func TestOutboxWritesTheContractLine(t *testing.T) {
	o, path := newOutbox(t)
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", st.Mode().Perm())
		}
	}
	ctx := context.Background()
	msgs := []notify.Message{
		{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Code: "123456",
			User: &notify.User{ID: "u1"}, Application: &notify.Application{ID: "app1", Name: "Demo"}},
		{Channel: notify.ChannelSMS, To: "15550100", Type: store.TemplateBindNewIdentifier, Locale: "de", Code: "654321",
			User: &notify.User{ID: "u1"}},
	}
	for _, m := range msgs {
		if err := o.Notify(ctx, m); err != nil {
			t.Fatalf("Notify: %v", err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"channel":"email","to":"ada@example.com","type":"UserPermissionValidation","payload":{"code":"123456","locale":"en","user":{"id":"u1"},"application":{"id":"app1","name":"Demo"}}}
{"channel":"sms","to":"15550100","type":"BindNewIdentifier","payload":{"code":"654321","locale":"de"}}
`
	if diff := cmp.Diff(want, string(raw)); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}

	// What a consumer in any language does: one JSON object per line.
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		var generic struct {
			Channel string         `json:"channel"`
			To      string         `json:"to"`
			Type    string         `json:"type"`
			Payload map[string]any `json:"payload"`
		}
		if err := json.Unmarshal([]byte(line), &generic); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if generic.Payload["code"] != msgs[i].Code || generic.Payload["locale"] == nil {
			t.Errorf("line %d: payload %v lacks code or locale", i+1, generic.Payload)
		}
	}
}

func TestOutboxConcurrentWritesGiveIntactLines(t *testing.T) {
	o, path := newOutbox(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- o.Notify(context.Background(), notify.Message{
				Channel: notify.ChannelEmail, To: fmt.Sprintf("user%02d@example.com", i), Type: store.TemplateSignIn,
				Code: fmt.Sprintf("%06d", i), User: &notify.User{ID: fmt.Sprintf("u%d", i), Name: strings.Repeat("x", 4096)},
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Notify: %v", err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(raw, []byte("\n")); lines != n {
		t.Fatalf("%d lines, want %d", lines, n)
	}
	got, err := notify.ReadOutbox(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadOutbox: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range got {
		want := fmt.Sprintf("user%s@example.com", m.Code[4:])
		if m.To != want || len(m.User.Name) != 4096 {
			t.Errorf("line for code %s: to %q, name of %d bytes; a line is torn", m.Code, m.To, len(m.User.Name))
		}
		seen[m.Code] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct codes, want %d", len(seen), n)
	}
}

func TestOutboxRecreatesAFileATestRemoved(t *testing.T) {
	o, path := newOutbox(t)
	m := notify.Message{Channel: notify.ChannelSMS, To: "15550100", Type: store.TemplateSignIn, Code: "1"}
	if err := o.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	m.Code = "2"
	if err := o.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := notify.ReadOutbox(bytes.NewReader(raw))
	if err != nil || len(got) != 1 || got[0].Code != "2" {
		t.Errorf("ReadOutbox = %v, %v; want only the message sent after the removal", got, err)
	}
}

func TestOutboxErrors(t *testing.T) {
	if _, err := notify.NewOutbox(notify.OutboxConfig{}); err == nil {
		t.Error("NewOutbox without Path succeeded")
	}
	if _, err := notify.NewOutbox(notify.OutboxConfig{Path: filepath.Join(t.TempDir(), "missing", "outbox.jsonl")}); err == nil {
		t.Error("NewOutbox in a missing directory succeeded")
	}
	o, path := newOutbox(t)
	err := o.Notify(context.Background(), notify.Message{Channel: notify.ChannelEmail, To: "a@example.com", Type: store.TemplateSignIn})
	if !errors.Is(err, notify.ErrInvalidMessage) {
		t.Errorf("Notify without a code: %v, want ErrInvalidMessage", err)
	}
	if raw, _ := os.ReadFile(path); len(raw) != 0 {
		t.Errorf("an invalid message was written: %s", raw)
	}
}

func TestReadOutbox(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []notify.Message
		wantErr string
	}{
		{"empty", "", nil, ""},
		{"blank lines", "\n" + `{"channel":"sms","to":"1","type":"SignIn","payload":{"code":"5","locale":"en"}}` + "\n  \n",
			[]notify.Message{{Channel: notify.ChannelSMS, To: "1", Type: store.TemplateSignIn, Locale: "en", Code: "5"}}, ""},
		{"torn line", `{"channel":"sms","to":"1"` + "\n", nil, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := notify.ReadOutbox(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
