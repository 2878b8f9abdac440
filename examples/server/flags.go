package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// envFlagSet is a flag set each of whose flags has an environment variable
// that sets it when the flag is not given (the flag wins), and whose usage
// lists every flag with its variable and default.
//
// Flags are defined with their built-in defaults, not with the
// environment's values: the usage shows what a flag defaults to without
// printing the secrets the environment may hold, and it can be printed
// without reading the environment at all.
type envFlagSet struct {
	fs *flag.FlagSet
	// header is printed above the flags.
	header string
	// env maps a flag's name to its environment variable.
	env map[string]string
	// defaults maps a flag's name to its default as the usage shows it;
	// empty for a zero default, which the usage leaves out.
	defaults map[string]string
	// lines are the usage's sections, flags and environment-only
	// variables, in the order they were defined.
	lines []usageLine
}

// usageLine is a section title, a flag or an environment-only variable.
type usageLine struct {
	section string // a section title, else empty
	flag    string // a flag's name, else empty
	envOnly string // an environment variable without a flag, else empty
	usage   string // the environment-only variable's description
}

func newEnvFlagSet(name, header string) *envFlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Parse reports errors to its caller, and -h to main, which prints the
	// usage: the flag package itself prints nothing.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &envFlagSet{fs: fs, header: header, env: map[string]string{}, defaults: map[string]string{}}
}

// section starts a group of flags in the usage.
func (s *envFlagSet) section(title string) {
	s.lines = append(s.lines, usageLine{section: title})
}

func (s *envFlagSet) add(name, envVar, def string) {
	if !strings.HasPrefix(envVar, "ACCOUNTAPI_") {
		panic("flag -" + name + ": environment variable " + envVar + " lacks the ACCOUNTAPI_ prefix")
	}
	s.env[name], s.defaults[name] = envVar, def
	s.lines = append(s.lines, usageLine{flag: name})
}

// String defines a string flag set by envVar when not given.
func (s *envFlagSet) String(p *string, name, envVar, def, usage string) {
	s.fs.StringVar(p, name, def, usage)
	shown := ""
	if def != "" {
		shown = strconv.Quote(def)
	}
	s.add(name, envVar, shown)
}

// Int defines an int flag set by envVar when not given.
func (s *envFlagSet) Int(p *int, name, envVar string, def int, usage string) {
	s.fs.IntVar(p, name, def, usage)
	shown := ""
	if def != 0 {
		shown = strconv.Itoa(def)
	}
	s.add(name, envVar, shown)
}

// Duration defines a duration flag set by envVar when not given.
func (s *envFlagSet) Duration(p *time.Duration, name, envVar string, def time.Duration, usage string) {
	s.fs.DurationVar(p, name, def, usage)
	shown := ""
	if def != 0 {
		shown = def.String()
	}
	s.add(name, envVar, shown)
}

// EnvOnly lists in the usage an environment variable that has no flag.
func (s *envFlagSet) EnvOnly(envVar, usage string) {
	s.lines = append(s.lines, usageLine{envOnly: envVar, usage: usage})
}

// parse parses args, then sets every flag args did not give from its
// environment variable, when that is not empty. It returns flag.ErrHelp
// for -h and -help.
func (s *envFlagSet) parse(args []string, getenv func(string) string) error {
	if err := s.fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	s.fs.VisitAll(func(f *flag.Flag) {
		envVar := s.env[f.Name]
		if err != nil || given[f.Name] || envVar == "" {
			return
		}
		if v := getenv(envVar); v != "" {
			if e := s.fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s (-%s): invalid value %q: %w", envVar, f.Name, v, e)
			}
		}
	})
	return err
}

// usage writes the header, then each flag with its environment variable
// and default, in the order they were defined, grouped by section:
//
//	-addr string   listen address (env ACCOUNTAPI_ADDR, default "127.0.0.1:8080")
func (s *envFlagSet) usage(w io.Writer) {
	left := func(l usageLine) string {
		if l.envOnly != "" {
			return l.envOnly
		}
		f := s.fs.Lookup(l.flag)
		typ, _ := flag.UnquoteUsage(f)
		return strings.TrimSpace("-" + f.Name + " " + typ)
	}
	width := 0
	for _, l := range s.lines {
		if l.section == "" {
			width = max(width, len(left(l)))
		}
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(s.header, "\n"))
	b.WriteString("\n")
	for i, l := range s.lines {
		switch {
		case l.section != "":
			fmt.Fprintf(&b, "\n%s:\n", l.section)
			continue
		case i == 0:
			b.WriteString("\n")
		}
		if l.envOnly != "" {
			fmt.Fprintf(&b, "  %-*s   %s (environment only)\n", width, left(l), l.usage)
			continue
		}
		_, text := flag.UnquoteUsage(s.fs.Lookup(l.flag))
		suffix := "env " + s.env[l.flag]
		if d := s.defaults[l.flag]; d != "" {
			suffix += ", default " + d
		}
		fmt.Fprintf(&b, "  %-*s   %s (%s)\n", width, left(l), text, suffix)
	}
	io.WriteString(w, b.String())
}
