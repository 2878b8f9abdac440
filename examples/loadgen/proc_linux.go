package main

import "syscall"

// childAttr makes the kernel kill a child when the load generator dies, so
// that a load generator killed with SIGKILL (which runs no clean-up) leaves
// no server behind. Go starts children from the thread that calls Start;
// Pdeathsig fires when that thread exits, which Go threads do not do while
// the process lives unless they are locked with LockOSThread.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
