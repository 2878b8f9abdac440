package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// requestFunc makes the seq-th request of a run to the server at base. seq
// numbers a run's requests without gaps or repeats across workers; it picks
// the token and what varies in the body.
type requestFunc func(ctx context.Context, base string, seq int) (*http.Request, error)

// routeRequests returns the requestFunc of route, with tokens for the
// sampled users and email giving the i-th seeded user's address out of n.
// sends numbers the verification-code sends of the whole load-generator run,
// so that no two target one address until every seeded address had its turn.
func routeRequests(route string, tokens []string, email func(int) string, n int, sends *atomic.Int64) requestFunc {
	newReq := func(ctx context.Context, method, u, token string, body []byte) (*http.Request, error) {
		var req *http.Request
		var err error
		if body == nil {
			req, err = http.NewRequestWithContext(ctx, method, u, nil)
		} else {
			req, err = http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
		}
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, err
	}
	passwordBody := []byte(`{"password":"` + loadPassword + `"}`)
	return func(ctx context.Context, base string, seq int) (*http.Request, error) {
		token := tokens[seq%len(tokens)]
		switch route {
		case routePatch:
			body := []byte(`{"name":"Load User ` + strconv.Itoa(seq) + `"}`)
			return newReq(ctx, http.MethodPatch, base+"/api/my-account", token, body)
		case routePassword:
			return newReq(ctx, http.MethodPost, base+"/api/verifications/password", token, passwordBody)
		case routeSendCode:
			to := email(int(sends.Add(1)-1) % n)
			body := []byte(`{"identifier":{"type":"email","value":"` + to + `"}}`)
			return newReq(ctx, http.MethodPost, base+"/api/verifications/verification-code", token, body)
		default:
			return newReq(ctx, http.MethodGet, base+"/api/my-account", token, nil)
		}
	}
}

// newClient returns a client with a transport of its own that keeps at most
// conns connections to each server, counting the connections it dials in
// dials. The load generator gives each worker such a client with conns 1,
// so that each worker has exactly one keep-alive connection.
func newClient(conns int, dials *atomic.Int64) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// roundTrip sends req and reads the whole response body into buf, so that
// the connection is reused.
func roundTrip(client *http.Client, req *http.Request, buf *bytes.Buffer) (*http.Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	return resp, err
}

// outcome classifies one exchange.
type outcome int

const (
	ok      outcome = iota // a 2xx response
	limited                // 429 on send-code: the per-address send limit
	failed                 // any other status, or no response
)

func classify(route string, resp *http.Response, err error) outcome {
	switch {
	case err != nil:
		return failed
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return ok
	case route == routeSendCode && resp.StatusCode == http.StatusTooManyRequests:
		return limited
	default:
		return failed
	}
}

// describe is the example of a failure the report shows.
func describe(req *http.Request, resp *http.Response, err error, body []byte) string {
	if err != nil {
		return fmt.Sprintf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	const maxBody = 400
	if len(body) > maxBody {
		body = append(body[:maxBody:maxBody], "…"...)
	}
	return fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(body))
}

// tally is what one worker counted in the measured window.
type tally struct {
	lat      []time.Duration // of the 2xx responses
	requests int
	errors   int
	limited  int
	example  string // the first failure, in or before the window
	dials    atomic.Int64
}

// measurement is the outcome of driving servers for a while.
type measurement struct {
	Requests int // responses (and failed exchanges) in the window
	OK       int
	Errors   int
	Limited  int
	Duration time.Duration
	Conns    int64 // connections dialled, warm-up included
	Example  string
	lat      []time.Duration // sorted
}

// drive runs c workers against urls (worker w on urls[w%len(urls)], each
// with one keep-alive connection) for warmup and then d, and measures the
// exchanges that start and end within d. Each worker sends its next request
// as soon as the previous answer is read (a closed loop).
func drive(ctx context.Context, route string, urls []string, c int, warmup, d time.Duration, mk requestFunc) (*measurement, error) {
	start := time.Now()
	from := start.Add(warmup)
	end := from.Add(d)
	tallies := make([]*tally, c)
	var wg sync.WaitGroup
	var setupErr atomic.Pointer[error]
	for w := range c {
		t := &tally{lat: make([]time.Duration, 0, 4096)}
		tallies[w] = t
		base := urls[w%len(urls)]
		wg.Go(func() {
			client := newClient(1, &t.dials)
			defer client.CloseIdleConnections()
			var buf bytes.Buffer
			for n := 0; ctx.Err() == nil; n++ {
				if !time.Now().Before(end) {
					return
				}
				req, err := mk(ctx, base, w+n*c)
				if err != nil {
					setupErr.CompareAndSwap(nil, &err)
					return
				}
				t0 := time.Now()
				resp, err := roundTrip(client, req, &buf)
				t1 := time.Now()
				o := classify(route, resp, err)
				if o == failed && t.example == "" && ctx.Err() == nil {
					t.example = describe(req, resp, err, buf.Bytes())
				}
				if t0.Before(from) || t1.After(end) {
					continue
				}
				t.requests++
				switch o {
				case ok:
					t.lat = append(t.lat, t1.Sub(t0))
				case limited:
					t.limited++
				default:
					t.errors++
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p := setupErr.Load(); p != nil {
		return nil, *p
	}
	m := &measurement{Duration: d}
	for _, t := range tallies {
		m.Requests += t.requests
		m.Errors += t.errors
		m.Limited += t.limited
		m.Conns += t.dials.Load()
		m.lat = append(m.lat, t.lat...)
		if m.Example == "" {
			m.Example = t.example
		}
	}
	m.OK = len(m.lat)
	slices.Sort(m.lat)
	return m, nil
}

// percentile returns the p-quantile (0 < p ≤ 1) of sorted by nearest rank,
// or 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The rank is ⌈n·p⌉; the small slack keeps a product that should be
	// whole (0.9 × 10 = 9.000000000000002) from rounding up.
	i := int(math.Ceil(float64(len(sorted))*p-1e-9)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// burstOutcome is the outcome of one burst.
type burstOutcome struct {
	Wall    time.Duration // from the release to the last answer
	OK      int
	Errors  int
	Example string
	Conns   int64           // connections dialled: b unless one was not kept alive
	lat     []time.Duration // of the 2xx answers, sorted
}

// burst sends b requests at once, each on a connection of its own, spread
// over urls. The connections are opened first (each with a GET /healthz),
// so that the wall time counts the requests and not the TCP handshakes; then
// all requests are released together.
func burst(ctx context.Context, route string, urls []string, b int, mk requestFunc) (*burstOutcome, error) {
	var dials atomic.Int64
	clients := make([]*http.Client, b)
	reqs := make([]*http.Request, b)
	warm := make([]error, b)
	var wg sync.WaitGroup
	for i := range b {
		clients[i] = newClient(1, &dials)
		defer clients[i].CloseIdleConnections()
		base := urls[i%len(urls)]
		var err error
		if reqs[i], err = mk(ctx, base, i); err != nil {
			return nil, err
		}
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
			if err == nil {
				var buf bytes.Buffer
				var resp *http.Response
				if resp, err = roundTrip(clients[i], req, &buf); err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("GET /healthz: status %d", resp.StatusCode)
				}
			}
			warm[i] = err
		})
	}
	wg.Wait()
	for _, err := range warm {
		if err != nil {
			return nil, fmt.Errorf("opening the burst's connections: %w", err)
		}
	}

	release := make(chan struct{})
	var ready sync.WaitGroup
	ends := make([]time.Time, b)
	lat := make([]time.Duration, b)
	outcomes := make([]outcome, b)
	examples := make([]string, b)
	for i := range b {
		ready.Add(1)
		wg.Go(func() {
			var buf bytes.Buffer
			ready.Done()
			<-release
			t0 := time.Now()
			resp, err := roundTrip(clients[i], reqs[i], &buf)
			ends[i] = time.Now()
			lat[i] = ends[i].Sub(t0)
			outcomes[i] = classify(route, resp, err)
			if outcomes[i] != ok {
				examples[i] = describe(reqs[i], resp, err, buf.Bytes())
			}
		})
	}
	ready.Wait()
	start := time.Now()
	close(release)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &burstOutcome{}
	for i := range b {
		r.Wall = max(r.Wall, ends[i].Sub(start))
		if outcomes[i] == ok {
			r.OK++
			r.lat = append(r.lat, lat[i])
		} else {
			r.Errors++
			if r.Example == "" {
				r.Example = examples[i]
			}
		}
	}
	slices.Sort(r.lat)
	r.Conns = dials.Load()
	return r, nil
}

// sequential sends n requests one after another on one connection and
// returns the median latency.
func sequential(ctx context.Context, route, base string, n int, mk requestFunc) (time.Duration, error) {
	var dials atomic.Int64
	client := newClient(1, &dials)
	defer client.CloseIdleConnections()
	var buf bytes.Buffer
	lat := make([]time.Duration, 0, n)
	for i := range n {
		req, err := mk(ctx, base, i)
		if err != nil {
			return 0, err
		}
		t0 := time.Now()
		resp, err := roundTrip(client, req, &buf)
		d := time.Since(t0)
		if classify(route, resp, err) != ok {
			return 0, fmt.Errorf("a single request failed: %s", describe(req, resp, err, buf.Bytes()))
		}
		lat = append(lat, d)
	}
	slices.Sort(lat)
	return lat[len(lat)/2], nil
}
