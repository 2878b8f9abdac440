package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// baselineFlag is the hidden flag that makes the binary the baseline server
// (see serveBaseline); it is not registered with the flag set, so -h does
// not list it.
const baselineFlag = "-serve-baseline"

// The routes the load generator drives.
const (
	routeGet      = "get"
	routePatch    = "patch"
	routePassword = "password"
	routeSendCode = "send-code"
)

// The stores.
const (
	storeSQLite   = "sqlite"
	storePostgres = "postgres"
)

// options are the load generator's settings, from its flags.
type options struct {
	Store    string
	Postgres string // DSN of the database the fresh schemas go in
	DB       string // SQLite file of a -target server
	Users    []int
	Route    string
	C        int
	D        time.Duration
	Warmup   time.Duration
	Replicas []int
	Burst    int
	Keep     string
	JSON     bool
	Baseline bool
	// Synchronous is the server's ACCOUNTAPI_SQLITE_SYNCHRONOUS: full or
	// normal.
	Synchronous string

	// Server is a built example server; empty builds one.
	Server string
	// BuildFlags are extra flags for go build (the test passes -race when
	// it is built with it, so that the build reuses its cached packages).
	BuildFlags []string

	// Target is the URL of a running example server to drive instead of
	// starting one; DevSecret is its ACCOUNTAPI_DEV_SECRET.
	Target    string
	DevSecret string
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == baselineFlag {
		os.Exit(serveBaseline(os.Args[2], os.Stdout, os.Stderr))
	}
	o, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if rep != nil {
		if o.JSON {
			if err := rep.writeJSON(os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, "loadgen:", err)
			}
		} else {
			rep.writeText(os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		stop()
		os.Exit(1)
	}
}

// parseOptions reads the flags; usage goes to usageOut on -h or an error.
func parseOptions(args []string, getenv func(string) string, usageOut io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	dsn := getenv("ACCOUNTAPI_POSTGRES_DSN")
	if dsn == "" {
		dsn = getenv("ACCOUNTAPI_TEST_POSTGRES_DSN")
	}
	fs.StringVar(&o.Store, "store", storeSQLite, "store of the example server: sqlite or postgres")
	fs.StringVar(&o.Postgres, "postgres", dsn, "PostgreSQL DSN; each run seeds a schema of its own in this database and drops it at the end (default $ACCOUNTAPI_POSTGRES_DSN, else $ACCOUNTAPI_TEST_POSTGRES_DSN)")
	users := fs.String("users", "1000", "users to seed; a comma-separated list (e.g. 1k,1M) runs once per value on a fresh store and compares latencies")
	fs.StringVar(&o.Route, "route", routeGet, "route to drive: get, patch, password or send-code")
	fs.IntVar(&o.C, "c", 32, "concurrent workers, each with its own keep-alive connection")
	fs.DurationVar(&o.D, "d", 10*time.Second, "measured duration")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "load before the measured duration, not recorded")
	replicas := fs.String("replicas", "1", "example-server processes over one store; a comma-separated list (e.g. 1,2) runs once per value (postgres only above 1)")
	fs.IntVar(&o.Burst, "burst", 0, "instead of -d of load, fire this many concurrent requests once, each on its own connection, and time them")
	fs.StringVar(&o.Keep, "keep", "", "put the server binary, SQLite files and logs in this directory and keep them (and the PostgreSQL schemas)")
	fs.StringVar(&o.Synchronous, "sqlite-synchronous", "full", "the server's -sqlite-synchronous: full (each commit waits for the disk) or normal")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON instead of a table")
	fs.BoolVar(&o.Baseline, "baseline", true, "also drive the bare net/http baseline and print the ratios")
	fs.StringVar(&o.Server, "server", "", "example server binary to run instead of building one")
	fs.StringVar(&o.Target, "target", "", "URL of a running example server to drive instead of starting one (needs -dev-secret, and -db or -postgres naming its store)")
	fs.StringVar(&o.DevSecret, "dev-secret", "", "with -target: the server's ACCOUNTAPI_DEV_SECRET")
	fs.StringVar(&o.DB, "db", "", "with -target and -store sqlite: the server's SQLite file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./examples/loadgen [-store sqlite|postgres] [-postgres dsn] [-users n[,n…]] [-route get|patch|password|send-code] [-c 32] [-d 10s] [-warmup 2s] [-replicas 1[,2…]] [-burst n] [-keep dir] [-json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.Users, err = parseCounts(*users); err != nil {
		return o, fmt.Errorf("-users: %w", err)
	}
	if o.Replicas, err = parseCounts(*replicas); err != nil {
		return o, fmt.Errorf("-replicas: %w", err)
	}
	return o, o.check()
}

// check refuses combinations that cannot run.
func (o *options) check() error {
	switch o.Route {
	case routeGet, routePatch, routePassword, routeSendCode:
	default:
		return fmt.Errorf("-route %q: want get, patch, password or send-code", o.Route)
	}
	switch o.Store {
	case storeSQLite:
	case storePostgres:
		if o.Postgres == "" {
			return errors.New("-store postgres needs -postgres (or ACCOUNTAPI_POSTGRES_DSN)")
		}
	default:
		return fmt.Errorf("-store %q: want sqlite or postgres", o.Store)
	}
	switch {
	case o.C < 1:
		return errors.New("-c must be at least 1")
	case o.D <= 0 && o.Burst == 0:
		return errors.New("-d must be positive")
	case o.Warmup < 0:
		return errors.New("-warmup must not be negative")
	case o.Burst < 0:
		return errors.New("-burst must not be negative")
	}
	for _, k := range o.Replicas {
		// Two processes on one SQLite file do not share the store's write
		// gate (see store/sqlite's doc); the example server is meant to run
		// alone on its file.
		if k > 1 && o.Store != storePostgres {
			return errors.New("-replicas above 1 needs -store postgres")
		}
	}
	if o.Target != "" {
		o.Target = strings.TrimRight(o.Target, "/")
		switch {
		case o.DevSecret == "":
			return errors.New("-target needs -dev-secret, the server's ACCOUNTAPI_DEV_SECRET")
		case o.Store == storeSQLite && o.DB == "":
			return errors.New("-target with -store sqlite needs -db, the server's SQLite file, to seed users into")
		case o.Server != "":
			return errors.New("-target and -server exclude each other")
		}
		for _, k := range o.Replicas {
			if k != 1 {
				return errors.New("-target drives one server: -replicas must be 1")
			}
		}
	}
	return nil
}

// parseCounts parses a comma-separated list of positive counts, each a
// whole number with an optional k (thousand) or M (million) suffix.
func parseCounts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1000, f[:len(f)-1]
		case strings.HasSuffix(f, "M"), strings.HasSuffix(f, "m"):
			mult, f = 1000000, f[:len(f)-1]
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}
