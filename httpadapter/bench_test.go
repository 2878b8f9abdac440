package httpadapter_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGetMyAccount measures GET /api/my-account through the whole
// handler: HS256 verification, the account-center gate, one user read from a
// real SQLite store, and the JSON response.
func BenchmarkGetMyAccount(b *testing.B) {
	e := newEnv(b)
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
