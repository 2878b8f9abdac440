package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

// runner holds what the runs of one load-generator invocation share.
type runner struct {
	o      options
	log    io.Writer
	rep    *Report
	work   string // directory of the binary, SQLite files and logs
	bin    string // the example server
	secret string // ACCOUNTAPI_DEV_SECRET of the servers
	tag    string // random, in schema names, usernames and emails
	hasher *password.Hasher
	digest string
	alg    store.PasswordAlgorithm

	sends    atomic.Int64 // verification-code sends so far (send-code)
	replay   *response    // the response the baseline answers with
	lastReqs requestFunc  // the requests of the last run, for the baseline
}

// run seeds, starts and drives as o says, and returns the report; on an
// error it returns the report of the runs done so far with the error. It
// stops every process it started and removes its temporary files before it
// returns, also when ctx is cancelled.
func run(ctx context.Context, o options, log io.Writer) (*Report, error) {
	r := &runner{o: o, log: log, rep: newReport(o)}
	var err error
	if r.work, err = workDir(o.Keep); err != nil {
		return nil, err
	}
	if o.Keep == "" {
		defer os.RemoveAll(r.work)
	} else {
		fmt.Fprintf(log, "keeping the binary, databases and logs in %s\n", r.work)
	}
	if err := r.prepare(ctx); err != nil {
		return nil, err
	}
	for i, n := range o.Users {
		if err := r.group(ctx, i, n); err != nil {
			return r.rep, err
		}
	}
	if o.Baseline && o.Burst == 0 && r.replay != nil {
		if err := r.baseline(ctx); err != nil {
			return r.rep, err
		}
	}
	return r.rep, nil
}

// workDir returns keep, created if missing, or else a new temporary
// directory.
func workDir(keep string) (string, error) {
	if keep == "" {
		return os.MkdirTemp("", "loadgen-")
	}
	if err := os.MkdirAll(keep, 0o755); err != nil {
		return "", err
	}
	return filepath.Abs(keep)
}

// prepare builds the server, hashes the load-test password and makes up the
// secret and the tag.
func (r *runner) prepare(ctx context.Context) error {
	var err error
	r.bin = r.o.Server
	if r.bin == "" && r.o.Target == "" {
		if r.bin, err = buildServer(ctx, r.work, r.o.BuildFlags, r.log); err != nil {
			return err
		}
	}
	// The example server's hasher, with the same configuration, so that the
	// seeded digest costs what the server's own digests cost.
	if r.hasher, err = password.New(password.Config{}); err != nil {
		return err
	}
	if r.digest, r.alg, err = r.hasher.Hash(ctx, loadPassword); err != nil {
		return err
	}
	r.secret = r.o.DevSecret
	if r.secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		r.secret = hex.EncodeToString(b)
	}
	r.tag, err = store.RandomString(rand.Reader, 6, "0123456789abcdefghijklmnopqrstuvwxyz")
	return err
}

// group seeds a store with n users and runs the route against it once per
// replica count. i numbers the group.
func (r *runner) group(ctx context.Context, i, n int) error {
	db := newDatabase(r.o, r.work, r.tag, i)
	if db.drop != nil {
		defer func() {
			// ctx may be cancelled: dropping must still happen.
			dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := db.drop(dctx); err != nil {
				fmt.Fprintf(r.log, "removing %s: %v\n", db.label, err)
			}
		}()
	} else if r.o.Target == "" {
		fmt.Fprintf(r.log, "keeping %s\n", db.label)
	}
	st, err := db.open(ctx)
	if err != nil {
		return fmt.Errorf("opening %s: %w", db.label, err)
	}
	fmt.Fprintf(r.log, "seeding %d users into %s\n", n, db.label)
	sd, err := seedUsers(ctx, st, n, r.tag, r.digest, r.alg, r.o.Target == "", r.log)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("seeding %s: %w", db.label, err)
	}
	r.rep.Seeds = append(r.rep.Seeds, SeedResult{
		Store: r.o.Store, Users: n, Seconds: sd.Duration.Seconds(),
		UsersPerSecond: float64(n) / sd.Duration.Seconds(), Method: sd.Method,
	})
	tokens, err := mintTokens(r.secret, sd.sample)
	if err != nil {
		return err
	}
	reqs := routeRequests(r.o.Route, tokens, sd.email, n, &r.sends)
	r.lastReqs = reqs
	for _, k := range r.o.Replicas {
		if err := r.phase(ctx, db, i, n, k, reqs); err != nil {
			return err
		}
	}
	return nil
}

// phase starts k servers over db (or takes the -target), drives them and
// records the outcome.
func (r *runner) phase(ctx context.Context, db *database, i, n, k int, reqs requestFunc) error {
	var servers []*child
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	var urls []string
	if r.o.Target != "" {
		urls = []string{r.o.Target}
	} else {
		env := childEnv(append(slices.Clone(db.env), "ACCOUNTAPI_ADDR=127.0.0.1:0", "ACCOUNTAPI_DEV_SECRET="+r.secret,
			"ACCOUNTAPI_SQLITE_SYNCHRONOUS="+cmp.Or(r.o.Synchronous, "full"))...)
		for j := range k {
			name := fmt.Sprintf("example server %d", j+1)
			logPath := filepath.Join(r.work, fmt.Sprintf("server-g%d-r%d-%d.log", i, k, j+1))
			s, err := startChild(ctx, name, r.bin, nil, env, r.work, logPath)
			if err != nil {
				return err
			}
			servers = append(servers, s)
			if err := s.waitHealthy(ctx); err != nil {
				return err
			}
			urls = append(urls, s.url)
		}
	}
	if r.replay == nil {
		var err error
		if r.replay, err = capture(ctx, urls[0], reqs); err != nil {
			return err
		}
	}
	peaks := func() []int64 {
		var out []int64
		for _, s := range servers {
			if b, err := s.peakRSS(); err == nil {
				out = append(out, b)
			} else {
				fmt.Fprintf(r.log, "%s: peak RSS: %v\n", s.name, err)
			}
		}
		return out
	}

	if r.o.Burst > 0 {
		return r.burstPhase(ctx, urls, n, k, reqs, peaks)
	}
	fmt.Fprintf(r.log, "driving %s with %d workers on %d server(s): %s warm-up, %s measured\n", r.o.Route, r.o.C, len(urls), r.o.Warmup, r.o.D)
	m, err := drive(ctx, r.o.Route, urls, r.o.C, r.o.Warmup, r.o.D, reqs)
	if err != nil {
		return err
	}
	res := newRunResult("ours", r.o, n, k, m)
	res.PeakRSSBytes = peaks()
	r.rep.Runs = append(r.rep.Runs, res)
	return nil
}

// burstPhase times one burst against urls.
func (r *runner) burstPhase(ctx context.Context, urls []string, n, k int, reqs requestFunc, peaks func() []int64) error {
	single, err := sequential(ctx, r.o.Route, urls[0], 5, reqs)
	if err != nil {
		return err
	}
	// One hash's time is measured in this process, with the server's
	// configuration, while the servers are idle: just before the burst and
	// just after it, so that the figure sees the machine as the burst saw
	// it (other processes may come and go).
	var hashes []time.Duration
	if r.o.Route == routePassword {
		if hashes, err = r.timeHashes(ctx, 7, hashes); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.log, "firing %d concurrent %s requests at %d server(s)\n", r.o.Burst, r.o.Route, len(urls))
	b, err := burst(ctx, r.o.Route, urls, r.o.Burst, reqs)
	if err != nil {
		return err
	}
	if r.o.Route == routePassword {
		if hashes, err = r.timeHashes(ctx, 7, hashes); err != nil {
			return err
		}
	}
	res := BurstResult{
		Route: r.o.Route, Store: r.o.Store, Users: n, Replicas: k, Requests: r.o.Burst,
		WallSeconds: b.Wall.Seconds(), Throughput: float64(b.OK) / b.Wall.Seconds(),
		P50Ms: ms(percentile(b.lat, 0.5)), P99Ms: ms(percentile(b.lat, 0.99)), MaxMs: ms(percentile(b.lat, 1)),
		Errors: b.Errors, ErrorExample: b.Example, Conns: b.Conns,
		SingleRequestMs: ms(single), Cores: runtime.NumCPU(),
		PeakRSSBytes: peaks(),
	}
	if len(hashes) > 0 {
		slices.Sort(hashes)
		h := hashes[len(hashes)/2]
		res.HashMs = ms(h)
		res.HashBound = float64(res.Cores) / h.Seconds()
	}
	r.rep.Bursts = append(r.rep.Bursts, res)
	return nil
}

// timeHashes verifies the load-test password n times, one after another,
// and appends each one's time to ts.
func (r *runner) timeHashes(ctx context.Context, n int, ts []time.Duration) ([]time.Duration, error) {
	for range n {
		t0 := time.Now()
		if _, err := r.hasher.Verify(ctx, loadPassword, r.digest, r.alg); err != nil {
			return nil, err
		}
		ts = append(ts, time.Since(t0))
	}
	return ts, nil
}

// baseline drives the bare net/http server, replaying the captured
// response, exactly as the example server was driven.
func (r *runner) baseline(ctx context.Context) error {
	path := filepath.Join(r.work, "baseline-response.json")
	b, err := json.Marshal(r.replay)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	s, err := startChild(ctx, "baseline server", exe, []string{baselineFlag, path}, childEnv(), r.work, filepath.Join(r.work, "baseline.log"))
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Fprintf(r.log, "driving the baseline with %d workers: %s warm-up, %s measured\n", r.o.C, r.o.Warmup, r.o.D)
	m, err := drive(ctx, r.o.Route, []string{s.url}, r.o.C, r.o.Warmup, r.o.D, r.lastReqs)
	if err != nil {
		return err
	}
	res := newRunResult("baseline", r.o, 0, 1, m)
	res.Store = ""
	if rss, err := s.peakRSS(); err == nil {
		res.PeakRSSBytes = []int64{rss}
	}
	r.rep.Baseline = &res
	return nil
}
