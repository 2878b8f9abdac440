package testnotice

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct{ pkg, msg, want string }{
		{"example.com/m/store/postgres", "PostgreSQL tests skipped", "example.com/m/store/postgres: PostgreSQL tests skipped\n"},
		{"example.com/m/p", "one\ntwo\r\nthree\n", "example.com/m/p: one two three\n"},
		{"", "no package", "no package\n"},
	} {
		if got := line(tc.pkg, tc.msg); got != tc.want {
			t.Errorf("line(%q, %q) = %q, want %q", tc.pkg, tc.msg, got, tc.want)
		}
	}
}

func TestPackagePath(t *testing.T) {
	const want = "github.com/accountapi/accountapi/internal/testnotice"
	if got := packagePath(); got != want {
		t.Errorf("packagePath() = %q, want %q", got, want)
	}
}

// buffer is a terminal that records what is written, in how many writes,
// and whether it was closed. It has no WriteString method, so that
// io.WriteString goes through Write and every write is counted.
type buffer struct {
	buf    bytes.Buffer
	writes int
	closed bool
}

func (b *buffer) Write(p []byte) (int, error) { b.writes++; return b.buf.Write(p) }
func (b *buffer) Close() error                { b.closed = true; return nil }
func (b *buffer) String() string              { return b.buf.String() }

// failing fails every write.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("write failed") }
func (failing) Close() error              { return errors.New("close failed") }

func TestWriteToTerminalAndStderr(t *testing.T) {
	tty := &buffer{}
	var stderr buffer
	write("pkg: msg\n", func() (io.WriteCloser, error) { return tty, nil }, &stderr)
	if tty.String() != "pkg: msg\n" || tty.writes != 1 || !tty.closed {
		t.Errorf("terminal got %q in %d writes, closed %v; want the line in one write, closed", tty.String(), tty.writes, tty.closed)
	}
	if stderr.String() != "pkg: msg\n" || stderr.writes != 1 {
		t.Errorf("stderr got %q in %d writes, want the line in one write", stderr.String(), stderr.writes)
	}
}

func TestWriteWithoutTerminal(t *testing.T) {
	var stderr bytes.Buffer
	write("pkg: msg\n", func() (io.WriteCloser, error) { return nil, errors.New("no terminal") }, &stderr)
	if stderr.String() != "pkg: msg\n" {
		t.Errorf("stderr got %q, want the line", stderr.String())
	}
}

// TestWriteNeverFails: failing destinations, or none, are not an error and
// do not panic.
func TestWriteNeverFails(t *testing.T) {
	write("pkg: msg\n", func() (io.WriteCloser, error) { return failing{}, nil }, failing{})
	write("pkg: msg\n", func() (io.WriteCloser, error) { return nil, errors.New("no terminal") }, nil)
}

func TestIsFuzzWorker(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-test.run=TestX", "-test.v=true"}, false},
		{[]string{"-test.fuzzworker", "-test.run=^$", "-test.fuzz=^FuzzX$"}, true},
		{[]string{"-test.paniconexit0", "--test.fuzzworker=true"}, true},
	} {
		if got := isFuzzWorker(tc.args); got != tc.want {
			t.Errorf("isFuzzWorker(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
