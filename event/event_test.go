package event

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

func TestSlogWritesTheEvent(t *testing.T) {
	var buf bytes.Buffer
	s := Slog{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Emit(context.Background(), Event{Name: UserDataUpdated, At: at, UserID: "u1", Data: map[string]string{"name": "Ann"}})

	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, buf.Bytes())
	}
	if got["event"] != "User.Data.Updated" || got["userId"] != "u1" {
		t.Errorf("log line = %s", buf.Bytes())
	}
	if got["data"] != `{"name":"Ann"}` {
		t.Errorf("data = %v, want the event data as JSON", got["data"])
	}
}

func TestFuncAndDiscard(t *testing.T) {
	var got []Name
	var sink Sink = Func(func(_ context.Context, e Event) { got = append(got, e.Name) })
	sink.Emit(context.Background(), Event{Name: UserDeleted})
	Discard{}.Emit(context.Background(), Event{Name: UserDeleted})
	if len(got) != 1 || got[0] != UserDeleted {
		t.Errorf("got %v", got)
	}
}
