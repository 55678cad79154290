package e2e

import (
	"os"
	"syscall"
)

// sysProcAttr makes a child die with the test process (SIGKILL when the
// thread that started it exits; Go keeps that thread while the test runs),
// so no node or script outlives an aborted test run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// terminate asks a process to shut down gracefully.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
