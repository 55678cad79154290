//go:build !linux

package e2e

import (
	"os"
	"syscall"
)

// sysProcAttr has no parent-death signal outside Linux: a child is
// stopped by the test's cleanup only.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// terminate asks a process to shut down gracefully (os.Interrupt, which
// boltsky handles like SIGTERM), or kills it where that cannot be sent.
func terminate(p *os.Process) error {
	if err := p.Signal(os.Interrupt); err != nil {
		return p.Kill()
	}
	return nil
}
