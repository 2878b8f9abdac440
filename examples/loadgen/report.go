package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a load-generator invocation measured; -json prints it as
// is. Latencies are in milliseconds, sizes in bytes.
type Report struct {
	Route         string        `json:"route"`
	Store         string        `json:"store"`
	C             int           `json:"c"`
	Seconds       float64       `json:"seconds"`
	WarmupSeconds float64       `json:"warmupSeconds"`
	Cores         int           `json:"cores"`
	Seeds         []SeedResult  `json:"seeds"`
	Runs          []RunResult   `json:"runs,omitempty"`
	Baseline      *RunResult    `json:"baseline,omitempty"`
	Bursts        []BurstResult `json:"bursts,omitempty"`
}

// SeedResult is the seeding of one store.
type SeedResult struct {
	Store          string  `json:"store"`
	Users          int     `json:"users"`
	Seconds        float64 `json:"seconds"`
	UsersPerSecond float64 `json:"usersPerSecond"`
	Method         string  `json:"method"`
}

// RunResult is one measured run of sustained load.
type RunResult struct {
	Server   string  `json:"server"` // "ours" or "baseline"
	Route    string  `json:"route"`
	Store    string  `json:"store,omitempty"`
	Users    int     `json:"users,omitempty"`
	Replicas int     `json:"replicas"`
	C        int     `json:"c"`
	Seconds  float64 `json:"seconds"`
	// Requests counts every exchange that started and ended within the
	// measured window; OK those answered 2xx. RPS and the percentiles are
	// of the 2xx answers only.
	Requests int     `json:"requests"`
	OK       int     `json:"ok"`
	RPS      float64 `json:"rps"`
	P50Ms    float64 `json:"p50Ms"`
	P90Ms    float64 `json:"p90Ms"`
	P99Ms    float64 `json:"p99Ms"`
	// Errors are answers other than 2xx (429 on send-code excepted) and
	// exchanges without an answer; Limited are 429 answers on send-code.
	Errors       int    `json:"errors"`
	Limited      int    `json:"limited,omitempty"`
	ErrorExample string `json:"errorExample,omitempty"`
	// Conns is how many connections the workers dialled, warm-up
	// included: C when every connection was kept alive.
	Conns        int64   `json:"conns"`
	PeakRSSBytes []int64 `json:"peakRssBytes,omitempty"`
}

// BurstResult is one burst.
type BurstResult struct {
	Route        string  `json:"route"`
	Store        string  `json:"store"`
	Users        int     `json:"users"`
	Replicas     int     `json:"replicas"`
	Requests     int     `json:"requests"`
	WallSeconds  float64 `json:"wallSeconds"`
	Throughput   float64 `json:"throughput"` // 2xx answers per second of wall time
	P50Ms        float64 `json:"p50Ms"`
	P99Ms        float64 `json:"p99Ms"`
	MaxMs        float64 `json:"maxMs"`
	Errors       int     `json:"errors"`
	ErrorExample string  `json:"errorExample,omitempty"`
	Conns        int64   `json:"conns"`
	// SingleRequestMs is the median latency of a few requests sent one
	// at a time before the burst.
	SingleRequestMs float64 `json:"singleRequestMs"`
	Cores           int     `json:"cores"`
	// HashMs is one password hash's time in the load generator's process
	// (password route only), and HashBound = Cores ÷ that time, the
	// throughput that keeps every core hashing.
	HashMs       float64 `json:"hashMs,omitempty"`
	HashBound    float64 `json:"hashBound,omitempty"`
	PeakRSSBytes []int64 `json:"peakRssBytes,omitempty"`
}

func newReport(o options) *Report {
	return &Report{
		Route: o.Route, Store: o.Store, C: o.C, Seconds: o.D.Seconds(),
		WarmupSeconds: o.Warmup.Seconds(), Cores: runtime.NumCPU(),
	}
}

func newRunResult(server string, o options, users, replicas int, m *measurement) RunResult {
	return RunResult{
		Server: server, Route: o.Route, Store: o.Store, Users: users, Replicas: replicas,
		C: o.C, Seconds: m.Duration.Seconds(),
		Requests: m.Requests, OK: m.OK, RPS: float64(m.OK) / m.Duration.Seconds(),
		P50Ms: ms(percentile(m.lat, 0.50)), P90Ms: ms(percentile(m.lat, 0.90)), P99Ms: ms(percentile(m.lat, 0.99)),
		Errors: m.Errors, Limited: m.Limited, ErrorExample: m.Example, Conns: m.Conns,
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (rep *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeText prints the report as tables and ratio lines.
func (rep *Report) writeText(w io.Writer) {
	for _, s := range rep.Seeds {
		fmt.Fprintf(w, "seeded %d users into %s in %.2f s (%.0f users/s, %s)\n", s.Users, s.Store, s.Seconds, s.UsersPerSecond, s.Method)
	}
	if len(rep.Runs) > 0 {
		rep.writeRuns(w)
	}
	if len(rep.Bursts) > 0 {
		rep.writeBursts(w)
	}
}

func (rep *Report) writeRuns(w io.Writer) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\troute\tstore\tusers\treplicas\tC\tD\trequests\trps\tp50\tp90\tp99\terrors\tpeak RSS\t")
	rows := append([]RunResult(nil), rep.Runs...)
	if rep.Baseline != nil {
		rows = append(rows, *rep.Baseline)
	}
	for _, r := range rows {
		store, users := r.Store, strconv.Itoa(r.Users)
		if r.Server == "baseline" {
			store, users = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%gs\t%d\t%.1f\t%.2f ms\t%.2f ms\t%.2f ms\t%d\t%s\t\n",
			r.Server, r.Route, store, users, r.Replicas, r.C, r.Seconds, r.Requests, r.RPS,
			r.P50Ms, r.P90Ms, r.P99Ms, r.Errors, mib(r.PeakRSSBytes))
	}
	tw.Flush()
	fmt.Fprintln(w)

	for _, r := range rows {
		label := "baseline"
		if r.Server != "baseline" {
			label = fmt.Sprintf("ours (%s, %d users, %d %s)", r.Store, r.Users, r.Replicas, plural(r.Replicas, "replica"))
		}
		if r.Limited > 0 {
			fmt.Fprintf(w, "%s: %d of %d sends were refused with 429 (the per-address send limit), not counted as errors or in rps\n",
				label, r.Limited, r.Requests)
		}
		if r.ErrorExample != "" {
			fmt.Fprintf(w, "%s: example error: %s\n", label, r.ErrorExample)
		}
		if r.Conns > int64(r.C) {
			fmt.Fprintf(w, "%s: %d connections dialled for %d workers: some were not kept alive\n", label, r.Conns, r.C)
		}
	}
	if b := rep.Baseline; b != nil && b.RPS > 0 {
		for _, r := range rep.Runs {
			line := fmt.Sprintf("ours/baseline (%s, %s, %d users, %d %s): rps %.2f, p99 %.1f×",
				r.Route, r.Store, r.Users, r.Replicas, plural(r.Replicas, "replica"), r.RPS/b.RPS, r.P99Ms/b.P99Ms)
			if minRatio, p99, ok := throughputTarget(r); ok {
				line += fmt.Sprintf("; target rps ratio ≥ %.2f: %s", minRatio, verdict(r.RPS/b.RPS >= minRatio))
				if p99 > 0 {
					line += fmt.Sprintf(", target p99 ≤ %g ms: %.2f ms, %s", p99, r.P99Ms, verdict(r.P99Ms <= p99))
				}
			}
			fmt.Fprintln(w, line)
		}
	}
	rep.writeScale(w)
	rep.writeReplicas(w)
}

// throughputTarget returns the target for a run: the least rps
// ratio to the baseline and the largest p99 in ms (0: none). The targets
// are stated for C=32 and one server.
func throughputTarget(r RunResult) (minRatio, maxP99 float64, ok bool) {
	if r.C != 32 || r.Replicas != 1 {
		return 0, 0, false
	}
	switch {
	case r.Route == routeGet && r.Store == storeSQLite:
		return 0.50, 5, true
	case r.Route == routePatch && r.Store == storeSQLite:
		return 0.25, 0, true
	case r.Route == routeGet && r.Store == storePostgres:
		return 0.35, 0, true
	}
	return 0, 0, false
}

// writeScale compares the latencies of runs with more users to those of the
// run with the fewest, replica count by replica count.
func (rep *Report) writeScale(w io.Writer) {
	if len(rep.Seeds) < 2 {
		return
	}
	for _, r := range rep.Runs {
		var base *RunResult
		for i := range rep.Runs {
			b := &rep.Runs[i]
			if b.Replicas == r.Replicas && b.Users < r.Users && (base == nil || b.Users < base.Users) {
				base = b
			}
		}
		if base == nil || base.P50Ms == 0 || base.P99Ms == 0 {
			continue
		}
		line := fmt.Sprintf("scale (%s, %s): latency at %d users / at %d users: p50 %.2f×, p99 %.2f×, rps %.2f×",
			r.Route, r.Store, r.Users, base.Users, r.P50Ms/base.P50Ms, r.P99Ms/base.P99Ms, r.RPS/base.RPS)
		if r.Route == routeGet || r.Route == routeSendCode {
			line += fmt.Sprintf("; target ≤ 1.30×: p50 %s, p99 %s", verdict(r.P50Ms/base.P50Ms <= 1.3), verdict(r.P99Ms/base.P99Ms <= 1.3))
		}
		fmt.Fprintln(w, line)
	}
}

// writeReplicas compares the throughput of runs with more replicas to that
// of the run with the fewest, group by group.
func (rep *Report) writeReplicas(w io.Writer) {
	for _, r := range rep.Runs {
		var base *RunResult
		for i := range rep.Runs {
			b := &rep.Runs[i]
			if b.Users == r.Users && b.Replicas < r.Replicas && (base == nil || b.Replicas < base.Replicas) {
				base = b
			}
		}
		if base == nil || base.RPS == 0 {
			continue
		}
		line := fmt.Sprintf("replicas (%s, %s, %d users): rps with %d / with %d: %.2f×",
			r.Route, r.Store, r.Users, r.Replicas, base.Replicas, r.RPS/base.RPS)
		if r.Route == routeGet && r.Store == storePostgres && r.Replicas == 2 && base.Replicas == 1 {
			line += "; target ≥ 1.60×: " + verdict(r.RPS/base.RPS >= 1.6)
		}
		fmt.Fprintln(w, line)
	}
}

func (rep *Report) writeBursts(w io.Writer) {
	for _, b := range rep.Bursts {
		fmt.Fprintf(w, "\nburst: %d concurrent %s requests on %d connections (%s, %d users, %d %s)\n",
			b.Requests, b.Route, b.Requests, b.Store, b.Users, b.Replicas, plural(b.Replicas, "replica"))
		fmt.Fprintf(w, "  wall %.3f s, %.1f requests/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %d\n",
			b.WallSeconds, b.Throughput, b.P50Ms, b.P99Ms, b.MaxMs, b.Errors)
		if b.ErrorExample != "" {
			fmt.Fprintf(w, "  example error: %s\n", b.ErrorExample)
		}
		if b.Conns > int64(b.Requests) {
			fmt.Fprintf(w, "  %d connections dialled for %d requests: some were not kept alive\n", b.Conns, b.Requests)
		}
		fmt.Fprintf(w, "  one request alone (median of 5): %.1f ms\n", b.SingleRequestMs)
		if b.HashMs > 0 {
			ratio := b.Throughput / b.HashBound
			fmt.Fprintf(w, "  one hash in-process (median of 7 before and 7 after): %.1f ms; %d cores ÷ %.1f ms = %.1f requests/s\n",
				b.HashMs, b.Cores, b.HashMs, b.HashBound)
			fmt.Fprintf(w, "  burst throughput / (cores ÷ hash time) = %.2f; target ≥ 0.90: %s\n", ratio, verdict(ratio >= 0.9))
		}
		if len(b.PeakRSSBytes) > 0 {
			var peak int64
			for _, p := range b.PeakRSSBytes {
				peak = max(peak, p)
			}
			fmt.Fprintf(w, "  peak RSS of the example server: %s; target ≤ 256 MiB: %s\n",
				mib(b.PeakRSSBytes), verdict(peak <= 256<<20))
		}
	}
}

// mib formats peak RSS values, one per server, as "41.2 MiB" or
// "41.2+40.8 MiB".
func mib(bs []int64) string {
	if len(bs) == 0 {
		return "-"
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = fmt.Sprintf("%.1f", float64(b)/(1<<20))
	}
	return strings.Join(parts, "+") + " MiB"
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
