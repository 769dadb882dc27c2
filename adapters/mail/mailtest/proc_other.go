//go:build !unix

package mailtest

import (
	"os"
	"syscall"
)

func sysProcAttr(bool) *syscall.SysProcAttr { return nil }

// killGroup kills p alone.
func killGroup(p *os.Process) error { return p.Kill() }

// watch watches nothing: a test process that dies here may leave its
// servers running. (Postfix and Dovecot run on Unix only.)
func watch(*proc) (func(), error) { return func() {}, nil }
