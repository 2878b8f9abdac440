package httpadapter

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// corsPolicy answers the CORS side of the Account API's requests
// (docs/compatibility.md, "CORS").
//
// Logto lets any origin call the Account API (bearer tokens, not cookies,
// authenticate it) and exposes every header. The library allows only the
// origins the host names (AccountConfig.AllowedOrigins), so a page on
// another origin cannot use a token it got hold of unless the host says so;
// "*" restores Logto's policy. Requests from the API's own origin need no
// CORS headers and always work.
type corsPolicy struct {
	any     bool
	origins map[string]bool
}

// newCORSPolicy checks and normalises the allowed origins: "*", or
// scheme://host[:port] with an http or https scheme and nothing after the
// authority.
func newCORSPolicy(allowed []string) (corsPolicy, error) {
	p := corsPolicy{origins: map[string]bool{}}
	for _, o := range allowed {
		if o == "*" {
			p.any = true
			continue
		}
		norm, err := normalizeOrigin(o)
		if err != nil {
			return corsPolicy{}, err
		}
		p.origins[norm] = true
	}
	return p, nil
}

// normalizeOrigin returns origin as browsers send it in the Origin header
// (RFC 6454 §6.1: lower-case scheme and host, no default port).
func normalizeOrigin(origin string) (string, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port])", origin)
	}
	host := strings.ToLower(u.Host)
	scheme := strings.ToLower(u.Scheme)
	if port := u.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return scheme + "://" + host, nil
}

// allows reports whether a page of origin may read the API's answers.
func (p corsPolicy) allows(origin string) bool {
	if p.any {
		return true
	}
	if origin == "" || len(p.origins) == 0 {
		return false
	}
	norm, err := normalizeOrigin(origin)
	return err == nil && p.origins[norm]
}

// apply sets the CORS headers of an allowed origin: the origin itself (or
// "*" without one, under the any-origin policy), every header exposed. It
// answers preflight requests itself, with the allowed methods and headers
// for an allowed origin and without them for another, which the browser then
// refuses; it reports whether it answered.
func (p corsPolicy) apply(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	origin := r.Header.Get("Origin")
	h.Add("Vary", "Origin")
	allowed := p.allows(origin)
	if allowed {
		if origin == "" {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		h.Set("Access-Control-Expose-Headers", "*")
	}
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Cache-Control", "no-store")
	if allowed {
		h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,POST,DELETE,PATCH")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		h.Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}
