package main

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/accountapi/accountapi/internal/testnotice"
)

// TestMain lets the test binary stand in for the load generator's own
// binary: the baseline server is the load generator re-executed with
// -serve-baseline, and os.Executable is this binary under go test.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == baselineFlag {
		os.Exit(serveBaseline(os.Args[2], os.Stdout, os.Stderr))
	}
	if os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN") == "" {
		// go test ./... hides a passing package's output.
		testnotice.Skipped("skipped the PostgreSQL load test: set ACCOUNTAPI_TEST_POSTGRES_DSN to run it")
	}
	code := m.Run()
	if serverDir != "" {
		os.RemoveAll(serverDir)
	}
	os.Exit(code)
}

var (
	serverOnce sync.Once
	serverDir  string
	serverBin  string
	serverErr  error
)

// exampleServer builds the example server once per test binary. A binary
// built with -race builds it with -race too, so that go build finds the
// packages already compiled for the tests in the build cache.
func exampleServer(t *testing.T) string {
	t.Helper()
	serverOnce.Do(func() {
		if serverDir, serverErr = os.MkdirTemp("", "loadgen-test-"); serverErr != nil {
			return
		}
		var flags []string
		if raceEnabled {
			flags = append(flags, "-race")
		}
		var log bytes.Buffer
		serverBin, serverErr = buildServer(context.Background(), serverDir, flags, &log)
		if serverErr != nil {
			serverErr = &buildError{serverErr, log.String()}
		}
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverBin
}

type buildError struct {
	err error
	log string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.log }

// runBriefly runs the load generator for a second against a fresh store
// and checks that ours and the baseline both served requests without
// errors.
func runBriefly(t *testing.T, o options) *Report {
	t.Helper()
	o.Server = exampleServer(t)
	o.Users = []int{200}
	o.Route = routeGet
	o.C = 4
	o.D = time.Second
	o.Warmup = 200 * time.Millisecond
	o.Baseline = true
	if o.Replicas == nil {
		o.Replicas = []int{1}
	}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	rep, err := run(t.Context(), o, &log)
	if err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	var text bytes.Buffer
	rep.writeText(&text)
	t.Logf("report:\n%s", text.String())
	if len(rep.Runs) != len(o.Replicas) {
		t.Fatalf("%d runs of ours, want %d", len(rep.Runs), len(o.Replicas))
	}
	if rep.Baseline == nil {
		t.Fatal("no baseline run")
	}
	for _, r := range append(rep.Runs, *rep.Baseline) {
		if r.RPS <= 0 || r.OK == 0 {
			t.Errorf("%s with %d replicas: rps %.1f, %d answers 2xx; want some", r.Server, r.Replicas, r.RPS, r.OK)
		}
		if r.Errors != 0 {
			t.Errorf("%s with %d replicas: %d errors, e.g. %s", r.Server, r.Replicas, r.Errors, r.ErrorExample)
		}
	}
	for _, r := range rep.Runs {
		if len(r.PeakRSSBytes) != r.Replicas {
			t.Errorf("ours with %d replicas: peak RSS of %d servers", r.Replicas, len(r.PeakRSSBytes))
		}
	}
	return rep
}

func TestLoadgenSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: builds and runs the example server for a few seconds")
	}
	runBriefly(t, options{Store: storeSQLite})
}

func TestLoadgenPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: builds and runs the example server for a few seconds")
	}
	dsn := os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set ACCOUNTAPI_TEST_POSTGRES_DSN to run the load generator against PostgreSQL")
	}
	runBriefly(t, options{Store: storePostgres, Postgres: dsn, Replicas: []int{1, 2}})
}

func TestParseOptions(t *testing.T) {
	var usage bytes.Buffer
	o, err := parseOptions([]string{"-users", "1k,1M", "-replicas", "1,2", "-store", "postgres", "-postgres", "postgres://x"}, func(string) string { return "" }, &usage)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Users) != 2 || o.Users[0] != 1000 || o.Users[1] != 1000000 {
		t.Errorf("users %v, want [1000 1000000]", o.Users)
	}
	for _, args := range [][]string{
		{"-route", "delete"},
		{"-replicas", "1,2"},
		{"-store", "postgres"},
		{"-users", "0"},
		{"-target", "http://127.0.0.1:8080"},
	} {
		if _, err := parseOptions(args, func(string) string { return "" }, &usage); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 10; i++ {
		ds = append(ds, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 5}, {0.9, 9}, {0.99, 10}, {1, 10}, {0.01, 1}} {
		if got := percentile(ds, c.p); got != c.want {
			t.Errorf("percentile(1…10, %g) = %d, want %d", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile(nil) = %d, want 0", got)
	}
}
