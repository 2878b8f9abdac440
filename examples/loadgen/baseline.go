package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// response is a response of ours that the baseline replays.
type response struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// capture sends one request of the route and returns the response. A
// response other than 2xx is an error: the load would measure nothing but
// failures.
func capture(ctx context.Context, base string, mk requestFunc) (*response, error) {
	var dials atomic.Int64
	client := newClient(1, &dials)
	defer client.CloseIdleConnections()
	req, err := mk(ctx, base, 0)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	resp, err := roundTrip(client, req, &buf)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("the example server refused the route: %s", describe(req, resp, nil, buf.Bytes()))
	}
	h := resp.Header.Clone()
	// The baseline's net/http writes these itself.
	for _, k := range []string{"Date", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding"} {
		h.Del(k)
	}
	return &response{Status: resp.StatusCode, Header: h, Body: bytes.Clone(buf.Bytes())}, nil
}

// serveBaseline is the baseline server, run as a child process of the load
// generator (the binary re-executed with the hidden -serve-baseline flag): a
// bare net/http server on a free loopback port that answers every request
// with the status, headers and body in the JSON file at path. It reads the
// request body as our server does, and has the example server's timeouts.
// It prints "baseline listening on http://…" and serves until SIGTERM or
// SIGINT. It returns the exit status.
func serveBaseline(path string, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(path)
	var r response
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		fmt.Fprintln(stderr, "baseline:", err)
		return 1
	}
	length := strconv.Itoa(len(r.Body))
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		wh := w.Header()
		for k, v := range r.Header {
			wh[k] = v
		}
		wh.Set("Content-Length", length)
		w.WriteHeader(r.Status)
		_, _ = w.Write(r.Body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "baseline:", err)
		return 1
	}
	// The example server's timeouts (examples/server/server.go, serve).
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "baseline listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "baseline:", err)
		return 1
	case <-ctx.Done():
		_ = srv.Close()
		return 0
	}
}
