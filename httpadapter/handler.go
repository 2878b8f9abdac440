package httpadapter

import (
	"net/http"
	"strings"

	"github.com/accountapi/accountapi/apierror"
)

// router is the routing and error shape shared by both handlers: Go 1.22
// method patterns, JSON 404 and 405 answers, and Cache-Control: no-store on
// every response.
type router struct {
	mux *http.ServeMux
	rs  responder
}

func newRouter(rs responder) *router { return &router{mux: http.NewServeMux(), rs: rs} }

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
	h, pattern := rt.mux.Handler(r)
	if pattern != "" {
		// Serve through the mux, not h: only ServeMux.ServeHTTP fills in
		// the path values ({userId}) the routes read.
		rt.mux.ServeHTTP(w, r)
		return
	}
	// Let net/http decide between 404 and 405 (and compute Allow), then
	// answer in our error shape.
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if allow := probe.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	if probe.status == http.StatusMethodNotAllowed {
		rt.rs.error(w, r, apierror.MethodNotAllowed)
		return
	}
	rt.rs.error(w, r, apierror.NotFound)
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
