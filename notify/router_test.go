package notify_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// recorder is a fake Notifier that keeps what it was given and returns err.
type recorder struct {
	mu  sync.Mutex
	got []notify.Message
	err error
}

func (r *recorder) Notify(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m)
	return r.err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func TestByChannel(t *testing.T) {
	tests := []struct {
		name               string
		email, sms         bool // which notifiers are set
		channel            notify.Channel
		wantEmail, wantSMS int
		wantErr            error
	}{
		{"email", true, true, notify.ChannelEmail, 1, 0, nil},
		{"sms", true, true, notify.ChannelSMS, 0, 1, nil},
		{"sms not set up", true, false, notify.ChannelSMS, 0, 0, notify.ErrNoNotifier},
		{"email not set up", false, true, notify.ChannelEmail, 0, 0, notify.ErrNoNotifier},
		{"unknown channel", true, true, "fax", 0, 0, notify.ErrNoNotifier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email, sms := &recorder{}, &recorder{}
			var b notify.ByChannel
			if tt.email {
				b.Email = email
			}
			if tt.sms {
				b.SMS = sms
			}
			err := b.Notify(context.Background(), notify.Message{Channel: tt.channel, To: "x", Type: store.TemplateSignIn, Code: "1"})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if email.count() != tt.wantEmail || sms.count() != tt.wantSMS {
				t.Errorf("email got %d, sms got %d; want %d, %d", email.count(), sms.count(), tt.wantEmail, tt.wantSMS)
			}
		})
	}
}

func TestMulti(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		errs    []error // one recorder per entry, failing with it
		wantErr []error
	}{
		{"all succeed", []error{nil, nil}, nil},
		{"one fails, the others still run", []error{boom, nil}, []error{boom}},
		{"sentinels survive the join", []error{notify.ErrTemplateNotFound, boom}, []error{notify.ErrTemplateNotFound, boom}},
		{"empty", nil, []error{notify.ErrNoNotifier}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var multi notify.Multi
			var recs []*recorder
			for _, err := range tt.errs {
				r := &recorder{err: err}
				recs = append(recs, r)
				multi = append(multi, r, nil) // nil entries are skipped
			}
			err := multi.Notify(context.Background(), notify.Message{Channel: notify.ChannelEmail, To: "x", Type: store.TemplateSignIn, Code: "1"})
			if tt.wantErr == nil && err != nil {
				t.Errorf("err = %v, want nil", err)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to wrap %v", err, want)
				}
			}
			for i, r := range recs {
				if r.count() != 1 {
					t.Errorf("notifier %d called %d times, want 1", i, r.count())
				}
			}
		})
	}
}
