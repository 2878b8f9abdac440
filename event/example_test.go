package event_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/accountapi/accountapi/event"
)

// A host sends account events to its CRM, which checks each request with
// VerifySignature before it reads the body.
func ExampleNewWebhook() {
	secret := []byte("use 32 or more random bytes here") // shared with the receiver

	received := make(chan string, 1)
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := event.VerifySignature(secret, body, r.Header, time.Now(), 0); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// A receiver that must act only once also remembers
		// r.Header.Get("webhook-id") for the tolerance (5 minutes).
		received <- string(body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer crm.Close()

	hooks, err := event.NewWebhook(event.WebhookConfig{
		Endpoints: []event.Endpoint{{URL: crm.URL, ID: "crm"}},
		Secret:    secret,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Given to the use cases as their event.Sink; here, one event by hand.
	hooks.Emit(context.Background(), event.Event{
		Name:   event.UserDataUpdated,
		At:     time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC),
		UserID: "u1",
		Data:   map[string]string{"name": "Ada"},
	})

	// On shutdown: deliver what is queued, for at most 10 seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hooks.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(<-received)
	fmt.Printf("%+v\n", hooks.Stats())
	// Output:
	// {"hookId":"crm","event":"User.Data.Updated","createdAt":"2026-01-02T03:04:05.678Z","userId":"u1","data":{"name":"Ada"}}
	// {Delivered:1 Failed:0 Dropped:0}
}
