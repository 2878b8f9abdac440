//go:build !linux

package main

import "syscall"

// childAttr returns nil: only Linux can tie a child's life to its parent's.
// Elsewhere a load generator killed with SIGKILL leaves its children
// running; an interrupted one still stops them.
func childAttr() *syscall.SysProcAttr { return nil }
