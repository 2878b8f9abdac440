//go:build unix

package testnotice

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestSkippedWithoutTerminal runs Skipped in a copy of this test binary in
// a new session, which has no controlling terminal (so that the line does
// not reach the terminal of whoever runs these tests): it writes the one
// line to stderr, prefixed with this package's path, and exits normally.
func TestSkippedWithoutTerminal(t *testing.T) {
	if os.Getenv("TESTNOTICE_HELPER") == "1" {
		Skipped("helper: some tests skipped")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSkippedWithoutTerminal$")
	cmd.Env = append(os.Environ(), "TESTNOTICE_HELPER=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	const want = "github.com/accountapi/accountapi/internal/testnotice: helper: some tests skipped\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
