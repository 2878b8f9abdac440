package httpadapter

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/accountapi/accountapi/apierror"
)

// router is the routing and error shape shared by both handlers: Go 1.22
// method patterns, JSON 404 and 405 answers, and Cache-Control: no-store on
// every response.
//
// A handler serves the same routes wherever the host mounts it. Routers that
// strip their prefix (http.StripPrefix, Mount) hand it "/api/my-account";
// routers that leave it in the path (http.ServeMux with "/auth/", chi's
// Mount, gin and echo wrapping an http.Handler) hand it
// "/auth/api/my-account". The router tries the path as it is, then each
// suffix that starts at one of its roots ("/api/", "/.well-known/"), and
// routes the first that a pattern matches with the prefix removed, as
// http.StripPrefix would have.
type router struct {
	mux   *http.ServeMux
	rs    responder
	roots []string
}

func newRouter(rs responder, roots ...string) *router {
	return &router{mux: http.NewServeMux(), rs: rs, roots: roots}
}

// serve routes r. A path no pattern has answers 404 request.not_found; a
// path with other methods answers 405 request.method_not_allowed with the
// Allow header net/http computes.
func (rt *router) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// A path parameter with a NUL character (%00) names nothing we could
	// have stored.
	if strings.ContainsRune(r.URL.Path, 0) {
		rt.rs.error(w, r, apierror.NotFound)
		return
	}
	if routed, ok := rt.route(r); ok {
		// Serve through the mux, not the handler it matched: only
		// ServeMux.ServeHTTP fills in the path values ({userId}) the
		// routes read.
		rt.mux.ServeHTTP(w, routed)
		return
	}
	// Let net/http decide between 404 and 405 (and compute Allow), then
	// answer in our error shape.
	if allow, ok := rt.allowed(r); ok {
		w.Header().Set("Allow", allow)
		rt.rs.error(w, r, apierror.MethodNotAllowed)
		return
	}
	rt.rs.error(w, r, apierror.NotFound)
}

// route returns r, or r with the host's mount prefix removed, when one of
// the router's patterns matches it.
func (rt *router) route(r *http.Request) (*http.Request, bool) {
	if _, pattern := rt.mux.Handler(r); pattern != "" {
		return r, true
	}
	for c := range rt.candidates(r) {
		if _, pattern := rt.mux.Handler(c); pattern != "" {
			return c, true
		}
	}
	return nil, false
}

// allowed reports whether the path of r, as it is or below a mount prefix,
// names a route of other methods, and which (the Allow header net/http
// computes for the 405 it would answer).
func (rt *router) allowed(r *http.Request) (string, bool) {
	check := func(c *http.Request) (string, bool) {
		h, _ := rt.mux.Handler(c)
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, c)
		return probe.header.Get("Allow"), probe.status == http.StatusMethodNotAllowed
	}
	if allow, ok := check(r); ok {
		return allow, true
	}
	for c := range rt.candidates(r) {
		if allow, ok := check(c); ok {
			return allow, true
		}
	}
	return "", false
}

// candidates yields r without each prefix that could be the host's mount
// prefix: each suffix of the escaped path that starts at a root, shortest
// prefix first. The path is searched escaped so that an encoded slash
// (%2F) inside a path segment never starts a route.
func (rt *router) candidates(r *http.Request) func(yield func(*http.Request) bool) {
	return func(yield func(*http.Request) bool) {
		escaped := r.URL.EscapedPath()
		for i := 1; i < len(escaped); i++ {
			if escaped[i] != '/' || !rt.isRoot(escaped[i:]) {
				continue
			}
			path, err := url.PathUnescape(escaped[i:])
			if err != nil || !strings.HasSuffix(r.URL.Path, path) {
				continue
			}
			c := new(http.Request)
			*c = *r
			c.URL = new(url.URL)
			*c.URL = *r.URL
			c.URL.Path = path
			if r.URL.RawPath != "" {
				c.URL.RawPath = escaped[i:]
			}
			if !yield(c) {
				return
			}
		}
	}
}

func (rt *router) isRoot(escaped string) bool {
	for _, root := range rt.roots {
		if strings.HasPrefix(escaped, root) {
			return true
		}
	}
	return false
}

// statusProbe records what net/http's fallback handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

// Mount registers h on mux under prefix ("" or e.g. "/auth") for each of
// paths, stripping the prefix before h sees the request.
func mount(mux *http.ServeMux, prefix string, h http.Handler, paths ...string) {
	prefix = strings.TrimSuffix(prefix, "/")
	var inner http.Handler = h
	if prefix != "" {
		inner = http.StripPrefix(prefix, h)
	}
	for _, p := range paths {
		mux.Handle(prefix+p, inner)
	}
}

// Combine returns one handler that serves both APIs: the Management routes
// through m, everything else — the Account and Verification APIs, the
// OpenAPI document, and the JSON 404 and 405 answers of unknown paths —
// through a. Like each handler, it finds its routes below whatever prefix the
// host mounts it under.
func Combine(a *AccountHandler, m *ManagementHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.rt.route(r); ok {
			a.ServeHTTP(w, r)
			return
		}
		if _, ok := m.rt.route(r); ok {
			m.ServeHTTP(w, r)
			return
		}
		if _, ok := m.rt.allowed(r); ok {
			m.ServeHTTP(w, r) // 405 with the Management route's Allow
			return
		}
		a.ServeHTTP(w, r)
	})
}
