package main

import (
	"slices"
	"testing"
)

func TestParseOrigins(t *testing.T) {
	good := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ", nil},
		{"*", []string{"*"}},
		{" * ,*", []string{"*"}},
		{"https://app.example.com", []string{"https://app.example.com"}},
		{"https://a.test,http://localhost:5173", []string{"https://a.test", "http://localhost:5173"}},
		{"HTTPS://App.Test", []string{"https://app.test"}},
		{"https://a.test:443,http://a.test:80,https://a.test:8443", []string{"https://a.test", "http://a.test", "https://a.test:8443"}},
		{"https://a.test, https://a.test", []string{"https://a.test"}},
		{"http://127.0.0.1:8080", []string{"http://127.0.0.1:8080"}},
		{"http://[::1]:3000", []string{"http://[::1]:3000"}},
		{"capacitor://localhost", []string{"capacitor://localhost"}},
	}
	for _, tt := range good {
		got, err := parseOrigins(tt.in)
		if err != nil {
			t.Errorf("parseOrigins(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseOrigins(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{
		"app.test",                // no scheme
		"localhost:3000",          // no scheme://
		"https://",                // no host
		"https://:443",            // no host
		"https://app.test/",       // a path
		"https://app.test/login",  // a path
		"https://app.test?x=1",    // a query
		"https://app.test?",       // an empty query
		"https://app.test#top",    // a fragment
		"https://user@app.test",   // a user
		"https://app.test:",       // an empty port
		"https://app.test:0",      // port out of range
		"https://app.test:65536",  // port out of range
		"https://app.test:http",   // not a port
		"null",                    // the opaque origin
		"mailto:a@app.test",       // not hierarchical
		"*,https://app.test",      // * and others
		"https://a.test,app.test", // one bad among good
		"https://a b.test",        // not a host
	} {
		if got, err := parseOrigins(in); err == nil {
			t.Errorf("parseOrigins(%q) = %q, want an error", in, got)
		}
	}
}
