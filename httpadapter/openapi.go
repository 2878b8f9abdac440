package httpadapter

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// openAPIDocument is the OpenAPI 3.1 document of every route the handlers
// serve (openapi.json, written by hand). A string, so nobody can change it:
// OpenAPI hands out copies.
//
// The test suite keeps it honest: every response a test receives through
// env.do is validated against it (e2e/httpadapter/openapi_test.go), and the
// routes it lists are probed against the handlers both ways.
//
//go:embed openapi.json
var openAPIDocument string

// openAPIPath is where AccountHandler serves the document.
const openAPIPath = "/api/openapi.json"

// OpenAPI returns the OpenAPI 3.1 document (JSON) of every route the library
// serves: the Account and Verification APIs, the Management API routes, and
// the extensions. AccountHandler serves it at GET /api/openapi.json; a host
// that mounts only a ManagementHandler can serve it itself:
//
//	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
//		w.Header().Set("Content-Type", "application/json")
//		w.Write(httpadapter.OpenAPI())
//	})
//
// The document has no servers entry: its paths are relative to where the
// handlers are mounted. Each call returns a new copy.
func OpenAPI() []byte { return []byte(openAPIDocument) }

// openAPICacheControl lets clients and shared caches keep the document for an
// hour, then revalidate it with its ETag. The router's default, no-store, is
// for the API's answers, which are per user; this one is the same for
// everyone and changes only with the library.
const openAPICacheControl = "public, max-age=3600"

// serveOpenAPI returns the handler of GET /api/openapi.json: the document,
// unauthenticated, cacheable, with an ETag that If-None-Match can match (304).
// When the request reached the handler under a mount prefix (Mount with
// "/auth" strips "/auth" before routing), the document says so in servers, so
// that clients built from it call the right URLs.
func serveOpenAPI() http.HandlerFunc {
	doc := []byte(openAPIDocument)
	sum := sha256.Sum256(doc)
	etag := hex.EncodeToString(sum[:12])
	return func(w http.ResponseWriter, r *http.Request) {
		body, tag := doc, etag
		if prefix := mountPrefix(r); prefix != "" {
			body = withServer(doc, prefix)
			p := sha256.Sum256([]byte(prefix))
			tag += "-" + hex.EncodeToString(p[:4])
		}
		tag = `"` + tag + `"`
		h := w.Header()
		h.Set("Cache-Control", openAPICacheControl)
		// The document is public and the same for everyone: any page may
		// read it (a documentation site, a client generator in a browser),
		// whatever origins the API itself allows.
		if h.Get("Access-Control-Allow-Origin") == "" {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		h.Set("ETag", tag)
		if etagMatches(r.Header.Get("If-None-Match"), tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	}
}

// mountPrefix returns the part of the path the client asked for that a
// StripPrefix in front of the handler removed ("/auth" for
// /auth/api/openapi.json), or "".
func mountPrefix(r *http.Request) string {
	if r.RequestURI == "" {
		return ""
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil || len(u.Path) <= len(r.URL.Path) || !strings.HasSuffix(u.Path, r.URL.Path) {
		return ""
	}
	return strings.TrimSuffix(u.Path, r.URL.Path)
}

// withServer returns doc with a servers entry naming prefix as the base URL.
func withServer(doc []byte, prefix string) []byte {
	url, _ := json.Marshal(prefix) // a string always encodes
	head := `{"servers":[{"url":` + string(url) + `,"description":"Where the handler is mounted."}],`
	i := bytes.IndexByte(doc, '{')
	out := make([]byte, 0, len(doc)+len(head))
	out = append(out, doc[:i]...)
	out = append(out, head...)
	return append(out, doc[i+1:]...)
}

// etagMatches reports whether an If-None-Match header value matches tag
// (RFC 9110 §13.1.2: weak comparison, "*" matches any).
func etagMatches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}
