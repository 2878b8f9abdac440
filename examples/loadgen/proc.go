package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildServer builds the example server into dir and returns the binary's
// path. It runs go build from the root of the module the working directory
// is in, which must be this one.
func buildServer(ctx context.Context, dir string, flags []string, log io.Writer) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the accountapi module, or pass -server")
	}
	bin := filepath.Join(dir, "server")
	fmt.Fprintln(log, "building the example server…")
	start := time.Now()
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", bin, "github.com/accountapi/accountapi/examples/server")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Dir(gomod)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the example server in %s: %w", cmd.Dir, err)
	}
	fmt.Fprintf(log, "built in %.1f s\n", time.Since(start).Seconds())
	return bin, nil
}

// child is a server process the load generator started.
type child struct {
	name string
	cmd  *exec.Cmd
	// url is the base URL it serves, read from the line it prints when it
	// listens.
	url     string
	logPath string
	done    chan struct{} // closed when the process has exited
}

// listening finds the address in the line a server prints once it listens
// ("accountapi example server listening on http://127.0.0.1:41234").
var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startChild starts path with args and env in dir, with its standard output
// and error appended to logPath, and waits until it prints the address it
// listens on. The children are told to listen on port 0, so the kernel
// picks a free port and no two runs race for one.
func startChild(ctx context.Context, name, path string, args, env []string, dir, logPath string) (*child, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env, cmd.Dir = env, dir
	cmd.Stdout, cmd.Stderr = pw, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	pw.Close()
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(c.done)
	}()

	// Copy standard output to the log, picking the address out of it.
	// O_APPEND keeps these lines and the child's own standard error from
	// overwriting each other.
	addr := make(chan string, 1)
	go func() {
		defer pr.Close()
		out, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			out = nil
		} else {
			defer out.Close()
		}
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			if !found {
				if m := listening.FindStringSubmatch(sc.Text()); m != nil {
					addr <- m[1]
					found = true
				}
			}
			if out != nil {
				fmt.Fprintln(out, sc.Text())
			}
		}
	}()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	select {
	case c.url = <-addr:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("%s exited before listening (exit status %v); its log %s ends:\n%s", name, cmd.ProcessState, logPath, tail(logPath))
	case <-timeout.C:
		c.stop()
		return nil, fmt.Errorf("%s did not listen within a minute; its log %s ends:\n%s", name, logPath, tail(logPath))
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

// waitHealthy waits until GET /healthz answers 200.
func (c *child) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				client.CloseIdleConnections()
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: GET /healthz: %w", c.name, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return fmt.Errorf("%s exited; its log %s ends:\n%s", c.name, c.logPath, tail(c.logPath))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// peakRSS returns the process's peak resident set size in bytes, VmHWM in
// /proc/<pid>/status (Linux only).
func (c *child) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmHWM %q: %w", v, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// stop asks the process to shut down (SIGTERM, which the example server
// answers with a graceful shutdown) and kills it if it has not exited
// within ten seconds.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tail returns the last lines of the file at path, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	b = bytes.TrimRight(b, "\n")
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// childEnv is the environment of the processes the load generator starts:
// its own without any ACCOUNTAPI_ variable (so that, say, an SMTP host set
// in the shell does not reach the server under test), plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCOUNTAPI_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
