package httpadapter_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkGetMyAccount measures GET /api/my-account through the whole
// handler: HS256 verification, the account-center gate (settings cached for
// the default second, as in production), one user read from a real SQLite
// store, and the JSON response.
func BenchmarkGetMyAccount(b *testing.B) {
	e := newEnv(b, withCacheTTL(0))
	u := e.newUser(withEmail("ann@example.com"))
	tok := e.tokenFor(u.ID)
	r := httptest.NewRequest("GET", "/api/my-account", nil)
	r.Header.Set("Authorization", "Bearer "+tok)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkPatchMyAccount measures PATCH /api/my-account with a new name:
// the same checks as GET, then a transaction that locks, updates and reads
// back the user, and the User.Data.Updated event.
func BenchmarkPatchMyAccount(b *testing.B) {
	e := newEnv(b, withCacheTTL(0))
	u := e.newUser(withEmail("ann@example.com"))
	tok := e.tokenFor(u.ID)

	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		r := httptest.NewRequest("PATCH", "/api/my-account", strings.NewReader(`{"name":"Ann `+strconv.Itoa(i)+`"}`))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
