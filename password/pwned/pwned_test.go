package pwned

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/accountapi/accountapi/password"
)

// The SHA-1 of "password" is 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
const (
	passwordPrefix = "5BAA6"
	passwordSuffix = "1E4C9B93F3F0682250B6CF8331B7EE68FD8"
)

// rangeServer is a fake Pwned Passwords range API. It answers every prefix
// with body and records what each request carried.
type rangeServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seenRequest
}

type seenRequest struct {
	method, path, rawQuery, padding, body string
	headers                               http.Header
}

func newRangeServer(t *testing.T, status int, body string) *rangeServer {
	t.Helper()
	s := &rangeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, seenRequest{
			method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery,
			padding: r.Header.Get("Add-Padding"), body: string(b), headers: r.Header.Clone(),
		})
		s.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestChecker(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"listed", "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n" + passwordSuffix + ":10434004\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2", true},
		{"listed last without newline", "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n" + passwordSuffix + ":3", true},
		{"listed in lower case", strings.ToLower(passwordSuffix) + ":3\r\n", true},
		{"padding entry", "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n" + passwordSuffix + ":0\r\n", false},
		{"not listed", "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2\r\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRangeServer(t, http.StatusOK, tt.body)
			c := Checker{Endpoint: srv.URL, Client: srv.Client()}
			got, err := c.Breached(t.Context(), "password")
			if err != nil {
				t.Fatalf("Breached: %v", err)
			}
			if got != tt.want {
				t.Errorf("Breached = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCheckerSendsOnlyThePrefix checks the k-anonymity promise: the
// service sees five hex digits of the SHA-1 and nothing else derived from
// the password.
func TestCheckerSendsOnlyThePrefix(t *testing.T) {
	srv := newRangeServer(t, http.StatusOK, passwordSuffix+":1\r\n")
	for _, endpoint := range []string{srv.URL, srv.URL + "/"} {
		c := Checker{Endpoint: endpoint, Client: srv.Client()}
		if _, err := c.Breached(t.Context(), "password"); err != nil {
			t.Fatalf("Breached: %v", err)
		}
	}

	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.requests) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(srv.requests))
	}
	for _, r := range srv.requests {
		if r.method != http.MethodGet || r.path != "/range/"+passwordPrefix || r.rawQuery != "" || r.body != "" {
			t.Errorf("request = %s %s?%s with body %q; want GET /range/%s, no query, no body",
				r.method, r.path, r.rawQuery, r.body, passwordPrefix)
		}
		if r.padding != "true" {
			t.Errorf("Add-Padding = %q, want true", r.padding)
		}
		everything := fmt.Sprint(r.path, r.rawQuery, r.body, r.headers)
		for _, secret := range []string{"password", passwordSuffix, strings.ToLower(passwordSuffix)} {
			if strings.Contains(everything, secret) {
				t.Errorf("the request carries %q", secret)
			}
		}
	}
}

func TestCheckerErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"server error", http.StatusInternalServerError, ""},
		{"rate limited", http.StatusTooManyRequests, ""},
		{"malformed count", http.StatusOK, passwordSuffix + ":many\r\n"},
		{"oversized response", http.StatusOK, strings.Repeat("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n", 30000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRangeServer(t, tt.status, tt.body)
			c := Checker{Endpoint: srv.URL, Client: srv.Client()}
			got, err := c.Breached(t.Context(), "password")
			if err == nil {
				t.Fatalf("Breached = %v, nil; want an error", got)
			}
			if strings.Contains(err.Error(), passwordPrefix) {
				t.Errorf("error %q contains the hash prefix", err)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		srv := newRangeServer(t, http.StatusOK, "")
		srv.Close()
		c := Checker{Endpoint: srv.URL, Client: srv.Client()}
		_, err := c.Breached(t.Context(), "password")
		if err == nil || strings.Contains(err.Error(), passwordPrefix) {
			t.Errorf("err = %v, want an error without the hash prefix", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		srv := newRangeServer(t, http.StatusOK, "")
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		c := Checker{Endpoint: srv.URL, Client: srv.Client()}
		if _, err := c.Breached(ctx, "password"); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// TestPolicyWithChecker wires the client into a policy check.
func TestPolicyWithChecker(t *testing.T) {
	srv := newRangeServer(t, http.StatusOK, passwordSuffix+":10434004\r\n")
	got, err := password.DefaultPolicy().Check(t.Context(), "password", password.UserInfo{}, Checker{Endpoint: srv.URL, Client: srv.Client()})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(got) != 1 || got[0].Code != password.CodePwned {
		t.Errorf("issues = %+v, want one %s", got, password.CodePwned)
	}
}
