package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accountapi/accountapi/bearer"
)

// checkUsage checks that usage lists every flag of s with its environment
// variable (ACCOUNTAPI_…) and its default.
func checkUsage(t *testing.T, s *envFlagSet, usage string) {
	t.Helper()
	lines := strings.Split(usage, "\n")
	n := 0
	s.fs.VisitAll(func(f *flag.Flag) {
		n++
		envVar := s.env[f.Name]
		if !strings.HasPrefix(envVar, "ACCOUNTAPI_") {
			t.Errorf("-%s has environment variable %q", f.Name, envVar)
		}
		var line string
		for _, l := range lines {
			if strings.HasPrefix(l, "  -"+f.Name+" ") {
				line = l
			}
		}
		switch {
		case line == "":
			t.Errorf("-%s is not listed:\n%s", f.Name, usage)
		case !strings.Contains(line, "(env "+envVar+")") && !strings.Contains(line, "(env "+envVar+", default "):
			t.Errorf("-%s is listed without %s: %q", f.Name, envVar, line)
		case f.DefValue != "" && f.DefValue != "0" && !strings.Contains(line, "default "):
			t.Errorf("-%s is listed without its default %q: %q", f.Name, f.DefValue, line)
		case f.DefValue != "" && !strings.Contains(line, f.DefValue):
			t.Errorf("-%s is listed with another default than %q: %q", f.Name, f.DefValue, line)
		}
	})
	if n == 0 {
		t.Error("no flags")
	}
}

func TestConfigUsage(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		if _, err := parseConfig([]string{"-addr", ":1", arg}, env(nil)); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("parseConfig(%s) = %v, want flag.ErrHelp", arg, err)
		}
	}
	// The usage shows the built-in defaults, never the environment's
	// values (which may be secrets).
	t.Setenv("ACCOUNTAPI_SMTP_PASSWORD", "env-secret-password")
	t.Setenv("ACCOUNTAPI_ADDR", "127.0.0.1:9999")
	var out bytes.Buffer
	configUsage(&out)
	usage := out.String()
	checkUsage(t, configFlags(new(config), new(rawConfig)), usage)

	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  -addr string +listen address \(env ACCOUNTAPI_ADDR, default "127\.0\.0\.1:8080"\)$`),
		regexp.MustCompile(`(?m)^  -smtp-port int +SMTP server port \(env ACCOUNTAPI_SMTP_PORT, default 587\)$`),
		regexp.MustCompile(`(?m)^  -cors-origins string +.* \(env ACCOUNTAPI_CORS_ORIGINS\)$`),
		regexp.MustCompile(`(?m)^  -encryption-key-file string +.* \(env ACCOUNTAPI_ENCRYPTION_KEY_FILE\)$`),
		regexp.MustCompile(`(?m)^  ACCOUNTAPI_ENCRYPTION_KEYS +.*\(environment only\)$`),
		regexp.MustCompile(`(?m)^  server token `),
	} {
		if !want.MatchString(usage) {
			t.Errorf("usage does not match %s:\n%s", want, usage)
		}
	}
	for _, leak := range []string{"env-secret-password", "9999"} {
		if strings.Contains(usage, leak) {
			t.Errorf("usage shows the environment's %q", leak)
		}
	}
}

func TestTokenUsage(t *testing.T) {
	if err := tokenCommand([]string{"-h"}, env(nil), new(bytes.Buffer)); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("tokenCommand(-h) = %v, want flag.ErrHelp", err)
	}
	t.Setenv("ACCOUNTAPI_DEV_SECRET", "env-dev-secret")
	var out bytes.Buffer
	tokenUsage(&out)
	checkUsage(t, tokenFlags(new(tokenOptions)), out.String())
	if s := out.String(); strings.Contains(s, "env-dev-secret") || !strings.Contains(s, "default 1h0m0s") {
		t.Errorf("usage:\n%s", s)
	}
}

// TestTokenCommandEnvironment sets every flag of `server token` by its
// environment variable.
func TestTokenCommandEnvironment(t *testing.T) {
	const secret = "token-command-secret-token-command"
	var out bytes.Buffer
	err := tokenCommand(nil, env(map[string]string{
		"ACCOUNTAPI_DEV_SECRET": secret, "ACCOUNTAPI_TOKEN_SUB": "u2",
		"ACCOUNTAPI_TOKEN_SCOPE": "all", "ACCOUNTAPI_TOKEN_TTL": "2m",
	}), &out)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.Authenticate(t.Context(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != "u2" || !p.HasScope("all") || p.HasScope("openid") {
		t.Errorf("principal = %+v", p)
	}
	if err := tokenCommand(nil, env(map[string]string{"ACCOUNTAPI_DEV_SECRET": secret, "ACCOUNTAPI_TOKEN_SUB": "u", "ACCOUNTAPI_TOKEN_TTL": "x"}), &out); err == nil {
		t.Error("tokenCommand accepted ACCOUNTAPI_TOKEN_TTL=x")
	}
}

// TestMainHelp runs main in a child process: -h prints the usage on
// standard output and exits 0, with nothing on standard error.
func TestMainHelp(t *testing.T) {
	if args, ok := os.LookupEnv("ACCOUNTAPI_TEST_MAIN_ARGS"); ok {
		os.Args = append([]string{"server"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	tests := []struct {
		args     string
		code     int
		stdout   string
		stderr   string
		noStdout bool
	}{
		{args: "-h", stdout: "  -addr string"},
		{args: "-help", stdout: "  -webhook-secret string"},
		{args: "token -h", stdout: "  -sub string"},
		{args: "-nope", code: 2, stderr: "flag provided but not defined: -nope", noStdout: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelp$")
			cmd.Env = append(os.Environ(), "ACCOUNTAPI_TEST_MAIN_ARGS="+tt.args)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatal("main did not return")
			}
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) || tt.noStdout && stdout.Len() > 0 {
				t.Errorf("standard output:\n%s", stdout.String())
			}
			if tt.stderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("standard error:\n%s", stderr.String())
			}
		})
	}
}
