package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// parseOrigins reads -cors-origins: comma-separated origins, or "*" for
// any. Each origin is scheme://host[:port], with no path, query, fragment
// or user; it is kept as a browser sends it in the Origin header: scheme
// and host in lower case, without the scheme's default port. Empty entries
// and repeats are dropped; "*" excludes the others.
func parseOrigins(s string) ([]string, error) {
	var origins []string
	for o := range strings.SplitSeq(s, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if o != "*" {
			var err error
			if o, err = canonicalOrigin(o); err != nil {
				return nil, err
			}
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if slices.Contains(origins, "*") && len(origins) > 1 {
		return nil, errors.New(`"*" allows every origin: list no others with it`)
	}
	return origins, nil
}

// canonicalOrigin checks that o is an origin and returns it as browsers
// serialize it.
func canonicalOrigin(o string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port], e.g. https://app.example.com): %s", o, why)
	}
	u, err := url.Parse(o)
	if err != nil {
		return bad("it does not parse")
	}
	switch {
	case u.Scheme == "" || u.Opaque != "" || !strings.Contains(o, "://"):
		return bad("no scheme://")
	case u.User != nil:
		return bad("it has a user")
	case u.Hostname() == "":
		return bad("no host")
	case u.Path != "" || u.RawPath != "":
		return bad("it has a path")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(o, "?"):
		return bad("it has a query")
	case u.Fragment != "" || strings.Contains(o, "#"):
		return bad("it has a fragment")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if strings.HasSuffix(u.Host, ":") {
		return bad("an empty port")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return bad("port " + port + " is out of range")
		}
		port = strconv.Itoa(n)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = "" // browsers leave the default port out
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}
