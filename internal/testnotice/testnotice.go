// Package testnotice lets a package's tests say, in one line that a
// developer sees without -v, that some of them skipped because something
// they need is missing (a PostgreSQL server, a command-line tool). A
// TestMain calls Skipped once when it finds the prerequisite absent; the
// tests themselves keep their t.Skip, which says the same per test under -v.
//
// # Why the terminal
//
// In package-list mode (go test ./..., go test ./store/...) the go command
// captures a test binary's standard output and error and shows them only
// when the package fails or with -v; a passing package prints just its
// "ok" line ("go help test" describes both modes). Skipped tests pass, so
// neither their t.Skip message nor anything TestMain prints reaches the
// person who ran go test, and a newcomer without PostgreSQL never learns
// that the PostgreSQL tests did not run.
//
// The controlling terminal is not one of the streams the go command
// captures: the test binary runs in the go command's session and can open
// /dev/tty itself. Skipped therefore writes its line to /dev/tty when that
// opens, where it appears among the go command's own lines while the
// package's tests run, and always to standard error too, where -v, a
// failing run, local-directory mode (go test with no package arguments) and
// CI logs, which have no terminal, show it. Neither write can fail the
// tests: a terminal that does not open (none, or a system without /dev/tty)
// or a write that fails is ignored.
//
// # Limits
//
// A cached result ("ok ... (cached)") does not run the tests again, so the
// terminal line appears only on runs that do, such as the first after a
// change or any run with -count=1. With -v at a terminal the line appears
// twice, once on each stream. The workers of go test -fuzz, which rerun
// TestMain, print nothing: the coordinating process already did.
package testnotice

import (
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// ttyPath is the controlling terminal on Unix-like systems.
const ttyPath = "/dev/tty"

// Skipped prints msg on one line, prefixed with the import path of the
// package under test and ": ", to the controlling terminal when one can be
// opened and to standard error. Call it from TestMain, once, when a
// prerequisite of some of the package's tests is missing, for instance:
//
//	func TestMain(m *testing.M) {
//		if os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN") == "" {
//			testnotice.Skipped("PostgreSQL tests skipped: set ACCOUNTAPI_TEST_POSTGRES_DSN=postgres://user@127.0.0.1:5432/db?sslmode=disable to run them")
//		}
//		os.Exit(m.Run())
//	}
//
// Line breaks in msg become spaces. Skipped never fails and never panics
// on an output error; in a go test -fuzz worker it prints nothing.
func Skipped(msg string) {
	if isFuzzWorker(os.Args[1:]) {
		return
	}
	write(line(packagePath(), msg), openTTY, os.Stderr)
}

// openTTY opens the controlling terminal for writing.
func openTTY() (io.WriteCloser, error) {
	return os.OpenFile(ttyPath, os.O_WRONLY, 0)
}

// write writes l to the terminal that tty opens, if it opens, and to stderr,
// ignoring every error. Each destination gets l in a single Write, so that
// the line is not interleaved with the go command's own output.
func write(l string, tty func() (io.WriteCloser, error), stderr io.Writer) {
	if t, err := tty(); err == nil {
		io.WriteString(t, l)
		t.Close()
	}
	if stderr != nil {
		io.WriteString(stderr, l)
	}
}

// line returns the notice line: "pkg: msg\n", or "msg\n" without a package,
// with the line breaks inside msg replaced by spaces.
func line(pkg, msg string) string {
	msg = strings.TrimRight(msg, "\r\n")
	msg = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)
	if pkg == "" {
		return msg + "\n"
	}
	return pkg + ": " + msg + "\n"
}

// packagePath returns the import path of the package under test. The main
// package of a test binary is the package's import path with ".test" added
// (or, for a main package under test, the import path itself); without
// build information it falls back on the binary's name, "postgres.test".
func packagePath() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
		return strings.TrimSuffix(bi.Path, ".test")
	}
	if len(os.Args) == 0 {
		return ""
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
}

// isFuzzWorker reports whether args, a test binary's arguments, make it a
// worker of go test -fuzz, which the coordinating binary starts with
// -test.fuzzworker among the arguments it was given itself.
func isFuzzWorker(args []string) bool {
	for _, a := range args {
		switch a {
		case "-test.fuzzworker", "--test.fuzzworker", "-test.fuzzworker=true", "--test.fuzzworker=true":
			return true
		}
	}
	return false
}
